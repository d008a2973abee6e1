#!/usr/bin/env bash
# tests/boot/run.sh ARCH (x86_64 | aarch64): boot a real Debian kernel under
# qemu-system with the static pm as /sbin/init of a busybox initramfs, and
# read the serial console. Two boots:
#   1. a good /etc/pm.ini: the sysinit oneshot runs, a service on the serial
#      line gets it as controlling tty, the driver oneshot (driver.sh) kills
#      a service and waits for its respawn, prints `pm status`, then runs
#      `pm poweroff`, which must make qemu exit by itself;
#   2. a broken /etc/pm.ini: the error (FILE:LINE) is on the console and a
#      rescue shell comes up there; it reads $ENV (rescue.sh, passed on the
#      kernel command line), says so, and powers off with `pm poweroff`.
# On x86_64, with qemu's i6300esb watchdog (issue 18; its driver is loaded
# by a short /sbin/wdinit that then execs pm, as PID 1 still):
#   3. pm kicks it through several timeouts, then `pm halt` disarms it
#      (magic close): the halted VM is not reset;
#   4. watchdog_test_stop makes pm stop kicking: the VM resets by itself
#      and a second boot shows on the console;
#   5. on_critical = reboot: a critical oneshot fails and the VM reboots;
#   7. (after 6) per-process cgroups (issue 14): pm mounts cgroup2 and
#      runs each process in a group of its own; cgroup-driver.sh drives an
#      OOM kill, a fork bomb, a daemon that escaped its process group, a
#      cpu_max share, the MEM figure and a live reload of a limit;
#   6. a real ext4 root disk (mke2fs -d, no root needed) mounted read-write
#      by a small initramfs: services write to it, one ignores TERM with a
#      file open for writing, pm's own log file is on it; `pm reboot`
#      reaches a second boot, which powers off; then `e2fsck -fn` on the
#      image finds it clean, not marked in use.
# Everything it needs is installed when missing; the kernel and the foreign
# busybox are downloaded as .deb files and unpacked under build/boot, never
# installed. Prints ok/FAIL/skip lines like the other tests.
set -u
ARCH=${1:-x86_64}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/boot
W=$ROOT/build/boot/$ARCH
CACHE=$ROOT/build/boot/cache
LIMIT=${BOOT_LIMIT:-240}	# seconds for one boot, power-off included
FAILS=0 PASSES=0
ok()   { echo "ok - $ARCH boot: $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL - $ARCH boot: $*"; FAILS=$((FAILS + 1)); }
skip() { echo "skip - $ARCH boot: $*"; echo "$PASSES passed, $FAILS failed, 1 skipped"; exit 0; }

case $ARCH in
x86_64)
	DEBARCH=amd64 QEMU=qemu-system-x86_64 QPKG=qemu-system-x86
	TTY=ttyS0 PM=$ROOT/pm
	MACHINE=(-accel tcg -m 256)
	;;
aarch64)
	DEBARCH=arm64 QEMU=qemu-system-aarch64 QPKG=qemu-system-arm
	TTY=ttyAMA0 PM=$ROOT/pm-aarch64
	MACHINE=(-M virt -cpu cortex-a57 -accel tcg -m 512)
	;;
*)	echo "usage: tests/boot/run.sh x86_64|aarch64" >&2; exit 2 ;;
esac

"$ROOT/tests/install-deps.sh" "$QPKG" cpio busybox-static ||
    skip "cannot install $QPKG, cpio and busybox-static"
[ -x "$PM" ] || { fail "$PM is not built"; echo "0 passed, 1 failed"; exit 1; }
file -b "$PM" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$PM" 2>&1 | grep -q 'not a dynamic' || fail "$PM is not static"

# fetch PKG: the .deb of PKG (for DEBARCH) in the cache, downloaded once.
fetch() {
	local deb
	deb=$(ls "$CACHE"/"${1%%:*}"_*_"$DEBARCH".deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		mkdir -p "$CACHE"
		(cd "$CACHE" && apt-get download -q "$1" >/dev/null 2>&1) ||
		    { apt-get update -q >/dev/null 2>&1
		      (cd "$CACHE" && apt-get download -q "$1" >/dev/null 2>&1); }
		deb=$(ls "$CACHE"/"${1%%:*}"_*_"$DEBARCH".deb 2>/dev/null | head -1)
	fi
	echo "$deb"
}

# The kernel: the image package that linux-image-DEBARCH points at.
kernel_pkg() {
	apt-cache depends "linux-image-$DEBARCH:$DEBARCH" 2>/dev/null |
	    awk '/Depends: linux-image-[0-9]/ { sub(":.*", "", $2); print $2; exit }'
}
kpkg=$(kernel_pkg)
[ -n "$kpkg" ] || { apt-get update -q >/dev/null 2>&1; kpkg=$(kernel_pkg); }
[ -n "$kpkg" ] || skip "no linux-image-$DEBARCH in the apt lists (apt-get update?)"
kdeb=$(fetch "$kpkg:$DEBARCH")
[ -n "$kdeb" ] || skip "cannot download $kpkg:$DEBARCH"
if [ ! -d "$W/kernel" ] || [ "$(cat "$W/kernel.from" 2>/dev/null)" != "$kdeb" ]; then
	rm -rf "$W/kernel" && mkdir -p "$W/kernel"
	dpkg-deb -x "$kdeb" "$W/kernel" && echo "$kdeb" > "$W/kernel.from"
fi
KERNEL=$(ls "$W"/kernel/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$KERNEL" ] || { fail "no vmlinuz in $kdeb"; echo "0 passed, 1 failed"; exit 1; }

# busybox: the machine's own for x86_64, else the foreign package unpacked.
if [ "$DEBARCH" = "$(dpkg --print-architecture)" ]; then
	BUSYBOX=/bin/busybox
else
	bdeb=$(fetch "busybox-static:$DEBARCH")
	[ -n "$bdeb" ] || skip "cannot download busybox-static:$DEBARCH"
	rm -rf "$W/bb" && mkdir -p "$W/bb" && dpkg-deb -x "$bdeb" "$W/bb"
	BUSYBOX=$W/bb/bin/busybox
fi

# initramfs CONFIG: busybox, pm as /sbin/init, CONFIG as /etc/pm.ini; with
# $WDMOD, /sbin/wdinit loads those modules (a watchdog driver) and execs pm.
initramfs() {
	local r=$W/root a
	rm -rf "$r" && mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,run,tmp,root}
	cp "$BUSYBOX" "$r/bin/busybox"
	if [ -n "${WDMOD:-}" ]; then
		printf '#!/bin/sh\n' >"$r/sbin/wdinit"
		for a in $WDMOD; do
			cp "$a" "$r/"
			echo "insmod /${a##*/}" >>"$r/sbin/wdinit"
		done
		echo 'exec /sbin/pm' >>"$r/sbin/wdinit"
		chmod 755 "$r/sbin/wdinit"
	fi
	for a in sh ash cat echo sleep kill ls ps grep awk cut mkdir mount \
	    umount sync tty true false test hostname insmod setsid touch sed \
	    wc tr; do
		ln -s busybox "$r/bin/$a"
	done
	cp "$PM" "$r/sbin/pm"
	ln -s pm "$r/sbin/init"
	sed "s/@TTY@/$TTY/g" "$1" > "$r/etc/pm.ini"
	cp "$HERE/driver.sh" "$HERE/rescue.sh" "$HERE/cgroup-driver.sh" "$r/etc/"
	[ -x "$W/hog" ] && cp "$W/hog" "$r/bin/hog"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$W/initrd.gz"
}

# boot NAME [KERNEL ARGS...]: boot the current initramfs; the console goes
# to $W/NAME.log, qemu's exit status to RC and the seconds taken to SECS.
boot() {
	local name=$1 t0; shift
	t0=$(date +%s)
	timeout -k 5 "$LIMIT" "$QEMU" "${MACHINE[@]}" -nographic -no-reboot \
	    -nic none -kernel "$KERNEL" -initrd "$W/initrd.gz" \
	    -append "console=$TTY rdinit=/sbin/init panic=-1 $*" \
	    </dev/null >"$W/$name.log" 2>&1
	RC=$?
	SECS=$(( $(date +%s) - t0 ))
	text "$name"
}
# Without the "ID | " that pm puts before captured output lines.
text() {
	tr -d '\r' < "$W/$1.log" | sed -E 's/^[A-Za-z0-9_.-]+ \| //' \
	    > "$W/$1.txt"
}
# boot_wd NAME UNTIL SECS: boot with the i6300esb and /sbin/wdinit, qemu
# free to reboot, until the console shows UNTIL (a regex; with BOOTS2
# set, the second boot's banner instead), then SECS more seconds,
# then qemu is stopped (by its pid). Boots are counted in BOOTS.
boot_wd() {
	local name=$1 until=$2 more=$3 qpid t0 end
	t0=$(date +%s)
	end=$((t0 + LIMIT))
	"$QEMU" "${MACHINE[@]}" -nographic -device i6300esb -nic none \
	    -kernel "$KERNEL" -initrd "$W/initrd.gz" \
	    -append "console=$TTY rdinit=/sbin/wdinit panic=-1" \
	    </dev/null >"$W/$name.log" 2>&1 &
	qpid=$!
	until { [ -n "${BOOTS2:-}" ] && [ "$(grep -c 'Linux version' "$W/$name.log")" -ge 2 ]; } ||
	    { [ -z "${BOOTS2:-}" ] && grep -Eq -- "$until" "$W/$name.log"; } ||
	    [ "$(date +%s)" -ge "$end" ] ||
	    ! kill -0 "$qpid" 2>/dev/null; do
		sleep 0.5
	done
	# The time itself is what is tested here: nothing may happen.
	[ "$more" -gt 0 ] && sleep "$more"
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	SECS=$(( $(date +%s) - t0 ))
	text "$name"
	BOOTS=$(grep -c 'Linux version' "$W/$name.txt")
}
has() { grep -Eq -- "$1" "$W/$2.txt"; }
# expect NAME WHAT REGEX: the console of boot NAME shows REGEX.
expect() {
	if has "$3" "$1"; then ok "$2"
	else fail "$2 ('$3' not on the console; see build/boot/$ARCH/$1.txt)"; fi
}

# ---- 1. a good config
initramfs "$HERE/pm.ini"
boot good
expect good "pm mounted /proc, /sys and /run itself" \
    'pm: info: mounted proc on /proc'
expect good "the sysinit oneshot ran" '^SYSINIT-RAN'
expect good "the driver started after the services" '^DRIVER-START'
c=$(sed -n 's/^TTY-PROC tty=\([^ ]*\) ctty=\([0-9]*\)$/\1 \2/p' "$W/good.txt" | head -1)
if [ "${c% *}" = "/dev/$TTY" ] && [ "${c#* }" != 0 ] && [ -n "${c#* }" ]; then
	ok "the tty process runs on /dev/$TTY as its controlling terminal"
else fail "tty process: got '$c'"; fi
r=$(sed -n 's/^RESPAWN old=\([0-9]*\) new=\([0-9]*\)$/\1 \2/p' "$W/good.txt")
if [ -n "$r" ] && [ "${r% *}" != "${r#* }" ]; then
	ok "the killed service came back with a new pid ($r)"
else fail "respawn after kill: got '$r'"; fi
st=$(sed -n '/^STATUS-BEGIN/,/^STATUS-END/p' "$W/good.txt")
for want in 'sysinit +exited' 'daemon +running' 'getty +running' 'driver +running'; do
	if printf '%s\n' "$st" | grep -Eq "^$want"; then ok "pm status lists ${want%% *}"
	else fail "pm status lacks '$want': $st"; fi
done
expect good "poweroff stops every process first" 'pm: info: shutting down for power-off'
expect good "processes are stopped before the power goes" 'pm: info: daemon: stopping pid'
expect good "filesystems are unmounted" 'pm: info: unmounting filesystems'
expect good "reboot(2) powers the machine off" 'reboot: Power down'
if [ "$RC" -eq 0 ]; then ok "qemu exited by itself after pm poweroff (${SECS}s)"
else fail "qemu did not exit by itself: status $RC after ${SECS}s"; fi

# ---- 2. a broken config: the error on the console, then a rescue shell
initramfs "$HERE/broken.ini"
boot broken ENV=/etc/rescue.sh
expect broken "the config error names file and line" '^/etc/pm.ini:[0-9]+: '
expect broken "pm says it starts a rescue shell" \
    'pm: error: /etc/pm.ini is unusable; starting a rescue shell on the console'
expect broken "the rescue shell runs on the console as its terminal" \
    '^RESCUE-SHELL ctty=[1-9]'
expect broken "pm poweroff works from the rescue shell" 'reboot: Power down'
if [ "$RC" -eq 0 ]; then ok "qemu exited by itself after the rescue (${SECS}s)"
else fail "rescue boot: qemu status $RC after ${SECS}s"; fi

[ "$ARCH" = x86_64 ] || { echo "$PASSES passed, $FAILS failed, 0 skipped"; [ "$FAILS" -eq 0 ]; exit; }

# ---- 3-5. the hardware watchdog (i6300esb) and on_critical (issue 18)
# The watchdog core, then the driver (its only dependency).
WDMOD=
for m in watchdog i6300esb; do
	f=$(find "$W/kernel/lib/modules" -name "$m.ko*" | head -1)
	case $f in
	*.xz)	xz -dc "$f" >"$W/$m.ko" && f=$W/$m.ko ;;
	*.zst)	zstd -qdc "$f" >"$W/$m.ko" && f=$W/$m.ko ;;
	'')	fail "no $m module in $kdeb"; WDMOD=; break ;;
	esac
	WDMOD="$WDMOD $f"
done
if [ -n "$WDMOD" ]; then
	initramfs "$HERE/wd.ini"
	boot_wd wdhalt 'reboot: System halted' 8
	expect wdhalt "pm opened the watchdog" 'pm: info: watchdog /dev/watchdog: timeout 2s'
	expect wdhalt "the VM outlived five watchdog timeouts" '^WD-ALIVE'
	expect wdhalt "the settings view shows the watchdog kicked" \
	    '^watchdog_state = kicked, timeout 2s'
	if [ "$BOOTS" = 1 ] && has 'reboot: System halted' wdhalt; then
		ok "pm halt disarmed the watchdog: no reset 8s after the halt"
	else fail "halt with a watchdog: $BOOTS boots (see build/boot/$ARCH/wdhalt.txt)"; fi

	sed 's/^;stop: //' "$HERE/wd.ini" >"$W/wdstop.ini"
	initramfs "$W/wdstop.ini"
	BOOTS2=1 boot_wd wdstop '' 0
	t=$(sed -n '/watchdog_test_stop reached/,$p' "$W/wdstop.txt")
	if [ "$BOOTS" -ge 2 ] && printf '%s\n' "$t" | grep -q 'Linux version' &&
	    ! grep -Eq 'Kernel panic|reboot: ' "$W/wdstop.txt"; then
		ok "pm stopped kicking and the watchdog reset the VM (${SECS}s)"
	else fail "no watchdog reset: $BOOTS boots (see build/boot/$ARCH/wdstop.txt)"; fi
	WDMOD=
fi

initramfs "$HERE/critical.ini"
boot critical
expect critical "the console names the critical process" \
    'pm: error: migrate: critical process failed \(status 3\); rebooting'
expect critical "on_critical = reboot reboots the VM" 'reboot: Restarting system'
if [ "$RC" -eq 0 ]; then ok "qemu ended by the reboot (${SECS}s)"
else fail "critical boot: qemu status $RC after ${SECS}s"; fi

# ---- 6. a real ext4 root disk: clean after reboot and power-off
mods=
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
    virtio_pci virtio_blk crc16 crc32c_generic mbcache jbd2 ext4; do
	f=$(find "$W/kernel/lib/modules" -name "$m.ko*" | head -1)
	[ -n "$f" ] || { fail "no $m module in $kdeb"; mods=; break; }
	mods="$mods $f"
done
if [ -n "$mods" ] && "$ROOT/tests/install-deps.sh" e2fsprogs; then
	# The root: busybox, pm as /sbin/init, disk.ini as /etc/pm.ini.
	d=$W/disk
	rm -rf "$d" && mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,run,tmp,var/data,var/log}
	cp "$BUSYBOX" "$d/bin/busybox"
	for a in sh cat echo sleep grep wc touch mount; do ln -s busybox "$d/bin/$a"; done
	cp "$PM" "$d/sbin/pm" && ln -s pm "$d/sbin/init"
	cp "$HERE/disk.ini" "$d/etc/pm.ini"
	cp "$HERE/disk-driver.sh" "$d/etc/"
	rm -f "$W/disk.img"
	mke2fs -q -t ext4 -d "$d" "$W/disk.img" 64M >/dev/null
	# The initramfs: busybox, the modules, disk-init.sh as /init.
	r=$W/root
	rm -rf "$r" && mkdir -p "$r"/{bin,dev,m,newroot}
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in sh mount insmod mkdir sleep switch_root poweroff echo; do
		ln -s busybox "$r/bin/$a"
	done
	for f in $mods; do
		case $f in
		*.xz)	xz -dc "$f" ;;
		*.zst)	zstd -qdc "$f" ;;
		*)	cat "$f" ;;
		esac >"$r/m/$(basename "${f%.ko*}").ko"
	done
	cp "$HERE/disk-init.sh" "$r/init" && chmod 755 "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$W/initrd.gz"
	t0=$(date +%s)
	# qemu may reboot here: the reboot is part of the test.
	timeout -k 5 "$LIMIT" "$QEMU" "${MACHINE[@]}" -nographic -nic none \
	    -drive file="$W/disk.img",format=raw,if=virtio \
	    -kernel "$KERNEL" -initrd "$W/initrd.gz" \
	    -append "console=$TTY rdinit=/init root=/dev/vda rw panic=-1" \
	    </dev/null >"$W/disk.log" 2>&1 &
	qpid=$!
	until grep -q 'reboot: Power down' "$W/disk.log" ||
	    ! kill -0 "$qpid" 2>/dev/null; do
		sleep 0.5
	done
	wait "$qpid"; RC=$?
	SECS=$(( $(date +%s) - t0 ))
	text disk
	expect disk "pm runs from an ext4 root mounted read-write" \
	    '^DISK-ROOT /dev/vda / ext4 rw'
	expect disk "the services wrote to the root" '^DISK-LINES [1-9]'
	expect disk "the service ignoring TERM is killed" \
	    'pm: info: stubborn: pid [0-9]+ killed by SIGKILL'
	expect disk "pm reboot reached a second boot" '^SECOND-BOOT'
	expect disk "the root was unmounted or made read-only" \
	    'pm: info: unmounting filesystems'
	if has 'stayed mounted read-write|cannot remount' disk; then
		fail "a file system stayed read-write (see build/boot/$ARCH/disk.txt)"
	else ok "no file system stayed read-write"; fi
	if [ "$RC" -eq 0 ]; then ok "qemu powered off by itself (${SECS}s)"
	else fail "disk boot: qemu status $RC after ${SECS}s"; fi
	if out=$(e2fsck -fn "$W/disk.img" 2>&1); then
		ok "e2fsck -fn finds the root clean"
	else fail "e2fsck -fn: $out"; fi
	st=$(dumpe2fs -h "$W/disk.img" 2>/dev/null | sed -n 's/^Filesystem state: *//p')
	if [ "$st" = clean ] && ! dumpe2fs -h "$W/disk.img" 2>/dev/null |
	    grep -q 'needs_recovery'; then
		ok "the root is not marked in use (state $st, no journal to replay)"
	else fail "the root is in use: state '$st', features: $(dumpe2fs -h \
	    "$W/disk.img" 2>/dev/null | sed -n 's/^Filesystem features: *//p')"; fi
fi

# ---- 7. per-process cgroups (issue 14), with /bin/hog built for the guest
if musl-gcc -static -Os -o "$W/hog" "$HERE/hog.c"; then
	initramfs "$HERE/cgroup.ini"
	boot cgroup quiet
	expect cgroup "pm mounted cgroup2 itself" \
	    'pm: info: mounted cgroup2 on /sys/fs/cgroup'
	expect cgroup "pm moved itself into its own leaf group" '^CG-PM-LEAF 1 $'
	expect cgroup "pm enabled the controllers for its subtree" \
	    '^CG-CONTROLLERS .*memory.*pids'
	expect cgroup "a process runs in its own group from its first command" \
	    '^CG-SELF 0::/driver$'
	expect cgroup "pm's oom_score_adj is -1000, its children's 0" \
	    '^OOM-ADJ pm=-1000 child=0$'
	expect cgroup "memory_max, memory_high, memory_swap_max written" \
	    '^LIMITS hog 25165824 max 0$'
	expect cgroup "pids_max and cpu_max = 10% written" \
	    '^BOMB-LIMIT 16 10000 100000$'
	m=$(sed -n 's/^MEM32 \([0-9]*\) \(.*\)$/\1 \2/p' "$W/cgroup.txt")
	if [ -n "$m" ] && [ "${m% *}" -ge 33554432 ] && [ "${m% *}" -le 41943040 ]; then
		ok "status shows about 32 MiB for a process touching 32 MiB ($m)"
	else fail "MEM of the 32 MiB process: '$m'"; fi
	expect cgroup "the hog was OOM-killed, reported as oom and restarted" \
	    '^HOG-STATUS running oom oom=true restarts=[1-9]'
	expect cgroup "the log names the OOM kill" 'pm: warn: hog: OOM kill in its cgroup'
	expect cgroup "the on_exit handler got PM_REASON=oom, in the hog's group" \
	    '^HOG-EXIT-HANDLER reason=oom status=137 0::/hog$'
	expect cgroup "metrics count the OOM kill" \
	    '^HOG-METRIC pm_process_oom_kills_total\{id="hog"\} [1-9]'
	m=$(sed -n 's/^NEIGHBOUR pid=\([a-z]*\) mem=\([0-9]*\)$/\1 \2/p' "$W/cgroup.txt")
	if [ "${m% *}" = same ] && [ "${m#* }" -ge 33554432 ]; then
		ok "the neighbour kept its pid and its memory ($m)"
	else fail "neighbour after the OOM kill: '$m'"; fi
	expect cgroup "the fork bomb stops at pids_max" '^BOMB pids=16 max=16 max [1-9]'
	expect cgroup "pm and the neighbour keep working under the bomb" \
	    '^BOMB-PM-OK running pid=same'
	expect cgroup "pm stop ends the whole bomb" '^BOMB-GONE stopped'
	expect cgroup "the daemon left its process group" '^ESCAPED pid=[0-9]+ sid=[0-9]+ main=[0-9]+'
	expect cgroup "pm stop ends the daemon that escaped" '^ESCAPER-GONE procs=0'
	c=$(sed -n 's/^CPU-SHARE \([0-9]*\) per mille.*/\1/p' "$W/cgroup.txt")
	if [ -n "$c" ] && [ "$c" -ge 120 ] && [ "$c" -le 280 ]; then
		ok "cpu_max = 20% holds a busy loop near its share ($c per mille)"
	else fail "cpu_max = 20%: share '$c' per mille (see build/boot/$ARCH/cgroup.txt)"; fi
	expect cgroup "cpu_max, cpu_weight and io_weight are written as the kernel reads them" \
	    'cpu.max 20000 100000 weight 50 io default 50$'
	if has 'cannot set' cgroup; then
		fail "pm could not set a limit: $(grep 'cannot set' "$W/cgroup.txt" | head -1)"
	else ok "pm set every limit it was given"; fi
	expect cgroup "a reload writes the changed memory_max without a restart" \
	    '^RELOAD-LIMIT 94371840 pid=same'
	if [ "$RC" -eq 0 ] && has '^CGROUP-DONE' cgroup; then
		ok "the cgroup boot powered off by itself (${SECS}s)"
	else fail "cgroup boot: qemu status $RC after ${SECS}s"; fi
else fail "cannot build tests/boot/hog.c with musl-gcc"; fi

echo "$PASSES passed, $FAILS failed, 0 skipped"
[ "$FAILS" -eq 0 ]
