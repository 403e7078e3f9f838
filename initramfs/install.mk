# Installs the initramfs integration (initramfs-tools, dracut, mkinitcpio) and
# the shipped modprobe.d / modules-load.d files. Included by the top-level
# Makefile; honours DESTDIR and PREFIX (default /usr) like the rest of install.
PREFIX ?= /usr
DESTDIR ?=
INITRAMFS_TOOLS_DIR ?= $(PREFIX)/share/initramfs-tools
DRACUT_MODULES_DIR ?= $(PREFIX)/lib/dracut/modules.d
INITCPIO_DIR ?= $(PREFIX)/lib/initcpio
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
# /lib/modprobe.d, not $(PREFIX)/lib: libkmod 30 (Debian 12) searches /etc, /run,
# /usr/local/lib and /lib, never /usr/lib (the same on merged-/usr systems, where
# /lib is /usr/lib); initramfs-tools copies /etc/modprobe.d and /lib/modprobe.d only.
MODPROBE_D_DIR ?= /lib/modprobe.d
MODULES_LOAD_D_DIR ?= $(PREFIX)/lib/modules-load.d

.PHONY: install-initramfs
install-initramfs:
	install -D -m 0755 initramfs/initramfs-tools/hooks/vfio-early \
		$(DESTDIR)$(INITRAMFS_TOOLS_DIR)/hooks/vfio-early
	install -D -m 0755 initramfs/initramfs-tools/scripts/init-top/00vfio-early \
		$(DESTDIR)$(INITRAMFS_TOOLS_DIR)/scripts/init-top/00vfio-early
	install -D -m 0755 initramfs/dracut/90vfio-early/module-setup.sh \
		$(DESTDIR)$(DRACUT_MODULES_DIR)/90vfio-early/module-setup.sh
	install -D -m 0755 initramfs/dracut/90vfio-early/vfio-early.sh \
		$(DESTDIR)$(DRACUT_MODULES_DIR)/90vfio-early/vfio-early.sh
	install -D -m 0755 initramfs/dracut/90vfio-early/vfio-early-run.sh \
		$(DESTDIR)$(DRACUT_MODULES_DIR)/90vfio-early/vfio-early-run.sh
	install -D -m 0644 initramfs/dracut/90vfio-early/vfio-early.service \
		$(DESTDIR)$(DRACUT_MODULES_DIR)/90vfio-early/vfio-early.service
	install -D -m 0644 initramfs/mkinitcpio/install/vfio-early \
		$(DESTDIR)$(INITCPIO_DIR)/install/vfio-early
	install -D -m 0644 initramfs/mkinitcpio/hooks/vfio-early \
		$(DESTDIR)$(INITCPIO_DIR)/hooks/vfio-early
	install -D -m 0644 initramfs/mkinitcpio/vfio-early.service \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)/vfio-early.service
	install -D -m 0644 modules-load/modprobe.d-vfio-early.conf \
		$(DESTDIR)$(MODPROBE_D_DIR)/vfio-early.conf
	install -D -m 0644 modules-load/vfio-early.conf \
		$(DESTDIR)$(MODULES_LOAD_D_DIR)/vfio-early.conf
