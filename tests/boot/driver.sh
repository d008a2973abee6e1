# Run by pm inside the guest: each step prints a marker the host checks.
echo DRIVER-START
pid_of() { pm status "$1" | awk -v id="$1" '$1 == id { print $3 }'; }
old=$(pid_of daemon)
kill -9 "$old"
i=0
while [ $i -lt 200 ]; do
	new=$(pid_of daemon)
	case $new in ''|-|0|"$old") ;; *) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
echo "RESPAWN old=$old new=$new"
echo STATUS-BEGIN
pm status
echo STATUS-END
pm poweroff
