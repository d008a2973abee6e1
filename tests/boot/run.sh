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

# initramfs CONFIG: busybox, pm as /sbin/init, CONFIG as /etc/pm.ini.
initramfs() {
	local r=$W/root a
	rm -rf "$r" && mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,run,tmp,root}
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in sh ash cat echo sleep kill ls ps grep awk cut mkdir mount \
	    umount sync tty true false test hostname; do
		ln -s busybox "$r/bin/$a"
	done
	cp "$PM" "$r/sbin/pm"
	ln -s pm "$r/sbin/init"
	sed "s/@TTY@/$TTY/g" "$1" > "$r/etc/pm.ini"
	cp "$HERE/driver.sh" "$HERE/rescue.sh" "$r/etc/"
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
	# Without the "ID | " that pm puts before captured output lines.
	tr -d '\r' < "$W/$name.log" | sed -E 's/^[A-Za-z0-9_.-]+ \| //' \
	    > "$W/$name.txt"
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

echo "$PASSES passed, $FAILS failed, 0 skipped"
[ "$FAILS" -eq 0 ]
