# Run by pm on the root disk boot: the host checks the markers, then runs
# e2fsck on the image once qemu has powered off.
i=0
while [ $i -lt 100 ] && [ "$(wc -l < /var/data/w.log)" -lt 5 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "DISK-ROOT $(grep ' / ' /proc/mounts | grep -v rootfs)"
echo "DISK-LINES $(wc -l < /var/data/w.log)"
if [ -e /var/data/boot1 ]; then
	echo SECOND-BOOT
	pm poweroff
else
	echo FIRST-BOOT
	touch /var/data/boot1
	pm reboot
fi
