#!/bin/sh
# The root disk boot's initramfs /init: load the block and ext4 drivers
# (the kernel has them as modules), mount /dev/vda read-write and hand it
# over to pm as /sbin/init, as a distribution's initramfs does.
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
    virtio_pci virtio_blk crc16 crc32c_generic mbcache jbd2 ext4; do
	insmod /m/$m.ko
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /newroot
mount -t ext4 -o rw /dev/vda /newroot || { echo "INITRAMFS: no /dev/vda"; poweroff -f; }
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
