# vfio-early — see README.md. `make` builds the programs into build/; `make check` runs every test.
VERSION := 0.1.0
PREFIX ?= /usr
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CACHE := .cache
ifeq ($(SANITIZE),1)
O := build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
O := build
SAN_FLAGS :=
endif

PKGS := libpci libkmod json-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpci -lkmod -ljson-c)
# Both programs open libkmod only when they load a module or read modprobe's configuration
# (modules-load/kmod-dl.h): not linked.
BOOT_LIBS = $(shell pkg-config --libs libpci json-c 2>/dev/null || echo -lpci -ljson-c)
# hwloc is vfio-earlyctl's alone (CPU plans): the boot helper never links it.
HWLOC_CFLAGS = $(shell pkg-config --cflags hwloc 2>/dev/null)
HWLOC_LIBS = $(shell pkg-config --libs hwloc 2>/dev/null || echo -lhwloc)
# libxml2 reads libvirt's domain XML for import and libvirt-xml --update: vfio-earlyctl opens it
# (dlopen) when one of them runs, so only its headers are needed here (the helper never uses it).
XML_CFLAGS = $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE -DVFE_VERSION='"$(VERSION)"' \
	$(PKG_CFLAGS) $(HWLOC_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

# The boot path: everything the helper runs in the initramfs, and all it links.
BOOT_SRC := lib/boot/log.c lib/boot/util.c lib/boot/cpulist.c lib/boot/config.c lib/boot/pci.c \
	lib/boot/bind.c lib/boot/report.c lib/boot/hugepages.c lib/boot/affinity.c \
	kernel-cmdline/cmdline.c modules-load/modload.c
# The rest of the core, vfio-earlyctl's alone.
CORE_SRC := $(BOOT_SRC) \
	lib/inventory.c lib/follow.c lib/backup.c lib/confedit.c lib/run.c lib/handmade.c \
	kernel-cmdline/tokens.c kernel-cmdline/grub.c kernel-cmdline/kernelcmdline.c \
	modules-load/softdep.c
CTL_LIB_SRC := lib/cpuplan.c
HELPER_SRC := cmd/vfio-early/main.c cmd/vfio-early/boot.c
CTL_SRC := $(wildcard cmd/vfio-earlyctl/*.c)
CTL_OBJ := $(CTL_SRC:%.c=$(O)/obj/%.o)
CORE_OBJ := $(CORE_SRC:%.c=$(O)/obj/%.o)
BOOT_OBJ := $(BOOT_SRC:%.c=$(O)/obj/%.o)
CTL_LIB_OBJ := $(CTL_LIB_SRC:%.c=$(O)/obj/%.o)
HELPER_OBJ := $(HELPER_SRC:%.c=$(O)/obj/%.o)

UNIT_TESTS := test-config test-cmdline test-helper test-ctl test-cmdline-edit test-tuning test-cpuplan test-import
UNIT_BIN := $(UNIT_TESTS:%=$(O)/tests/%)
CPU_FIXTURES := $(patsubst tests/rootfs/%.spec,%,$(wildcard tests/rootfs/cpu-*.spec))
FIXTURES := seed qemu-rig numa2 nocpufreq $(CPU_FIXTURES)
FIXTURE_DIRS := $(FIXTURES:%=build/rootfs/%)
KSFT := $(CACHE)/kselftest/kselftest_harness.h
# The harness is the kernel's, not ours: its own warnings are not ours to fix.
TEST_CFLAGS := -isystem $(CACHE)/kselftest -Wno-sign-compare -Wno-missing-prototypes \
	-Wno-format-truncation -Wno-format-nonliteral

.PHONY: all deps deps-test check unit fuzz fuzz-build fuzz-check bench install clean lint
# Keep intermediate objects: a rebuild of one test must not recompile the others.
.SECONDARY:
all: $(O)/vfio-early $(O)/vfio-earlyctl

# Installs the missing Debian packages (apt); a no-op when everything is there.
deps:
	@scripts/install-deps.sh build
deps-test:
	@scripts/install-deps.sh build test

$(O)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/vfio-early: $(HELPER_OBJ) $(BOOT_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(BOOT_LIBS)

$(O)/vfio-earlyctl: $(CTL_OBJ) $(CORE_OBJ) $(CTL_LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(BOOT_LIBS) $(HWLOC_LIBS)

$(O)/obj/cmd/vfio-earlyctl/import.o $(O)/obj/cmd/vfio-earlyctl/libvirt-update.o \
	$(O)/obj/cmd/vfio-earlyctl/xml.o: ALL_CFLAGS += $(XML_CFLAGS)

# ---- tests ----
$(KSFT): | deps-test
	scripts/fetch-kselftest.sh $(CACHE)

build/tests/mkroot: tests/rootfs/mkroot.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $<

build/rootfs/%: tests/rootfs/%.spec build/tests/mkroot
	@rm -rf $@
	build/tests/mkroot $< $@

$(O)/obj/tests/unit/%.o: tests/unit/%.c $(KSFT) | deps-test
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(O)/tests/test-%: $(O)/obj/tests/unit/test-%.o $(O)/obj/tests/unit/testutil.o \
		$(O)/obj/tests/unit/fakekernel.o $(CORE_OBJ) $(CTL_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(HWLOC_LIBS) -lpthread

unit: $(O)/vfio-early $(O)/vfio-earlyctl $(UNIT_BIN) $(FIXTURE_DIRS)

# The full run (not SANITIZE) also boots real kernels: it needs every package group. The
# kernel with vfio-pci built in (the matrix's last suite) starts building first, in the
# background, so that a fresh machine spends the package installs and the build on it too.
check:
	@$(if $(SANITIZE),,scripts/install-deps.sh kernel-build && tests/qemu/build-kernel.sh --background $(CACHE) $(O)/kernel-builtin)
	@$(MAKE) --no-print-directory unit
	@$(if $(SANITIZE),,scripts/install-deps.sh build test qemu generators module deb kernel-build libvirt system)
	@VFE_BUILD=$(O) VFE_FIXTURES=build/rootfs tests/run.sh $(O) $(if $(SANITIZE),,full)

# ---- fuzzing (libFuzzer, clang) ----
FUZZ_TARGETS := fuzz-config fuzz-cmdline fuzz-grub fuzz-handmade
FUZZ_BIN := $(FUZZ_TARGETS:%=build/fuzz/%)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -g -O1 -std=gnu11 -D_GNU_SOURCE $(PKG_CFLAGS)
FUZZ_CORE := lib/boot/config.c lib/boot/cpulist.c lib/boot/util.c lib/boot/log.c kernel-cmdline/cmdline.c \
	kernel-cmdline/tokens.c kernel-cmdline/grub.c lib/handmade.c

build/fuzz/%: tests/fuzz/%.c $(FUZZ_CORE) | deps-test
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(FUZZ_CORE) $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)
FUZZ_SECONDS ?= 60
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$t; \
		build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus-$$t tests/fuzz/corpus/$${t#fuzz-} || exit 1; \
	done

# ---- the demo: a real initramfs booted on the emulated seed rig, before and after ----
.PHONY: demo
demo:
	@scripts/install-deps.sh build test qemu generators
	@$(MAKE) --no-print-directory all
	tests/qemu/demo.sh $(O)

# ---- benchmarks (never part of pass/fail) ----
bench: $(O)/vfio-early $(O)/vfio-earlyctl build/tests/mkroot
	bench/run.sh $(O)

# The whole system (issue 14) on its own: a Debian 12 system booted through GRUB on the rig,
# the package installed, applied, rebooted, recovered and purged (tests/system/); make
# check runs it too, beside its other parts.
.PHONY: system-check
system-check: deb
	@scripts/install-deps.sh qemu system
	@tests/system/system-test.sh

# ---- install ----
install: $(O)/vfio-early $(O)/vfio-earlyctl install-initramfs
	install -D -m 0755 $(O)/vfio-early $(DESTDIR)$(SBINDIR)/vfio-early
	install -D -m 0755 $(O)/vfio-earlyctl $(DESTDIR)$(SBINDIR)/vfio-earlyctl
	install -D -m 0644 man/vfio-early.8 $(DESTDIR)$(MANDIR)/man8/vfio-early.8
	install -D -m 0644 man/vfio-early.conf.5 $(DESTDIR)$(MANDIR)/man5/vfio-early.conf.5
	install -D -m 0644 man/vfio-earlyctl.8 $(DESTDIR)$(MANDIR)/man8/vfio-earlyctl.8
	install -D -m 0644 completion/vfio-earlyctl.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vfio-earlyctl

lint:
	clang-format --dry-run -Werror $(CORE_SRC) $(CTL_LIB_SRC) $(HELPER_SRC) $(wildcard lib/*.h lib/boot/*.h kernel-cmdline/*.h modules-load/*.h cmd/*/*.h tests/unit/*.[ch] tests/fuzz/*.c)
	shellcheck -S warning scripts/*.sh tests/run.sh tests/boot/*.sh tests/qemu/*.sh tests/libvirt/*.sh tests/system/*.sh tests/system/guest/vfe-step bench/*.sh

clean:
	rm -rf build

# ---- kernel-assisted mode: vfio_early.ko (module/, top-level Kbuild) ----
# Built in a copy under build/module so the source tree gets no Kbuild droppings.
KDIR ?= /lib/modules/$(shell uname -r)/build
MODULE_O := $(abspath build/module)
MODULE_SRC := Kbuild module/vfio_early.c module/vfio_early_limits.h $(wildcard module/conftest/*.c)
DKMS_SRCDIR ?= /usr/src
.PHONY: module module-check module-install deps-module
deps-module:
	@scripts/install-deps.sh module
module: | deps-module
	@mkdir -p $(MODULE_O)/module/conftest
	@for f in $(MODULE_SRC); do cp -p $$f $(MODULE_O)/$$f; done
	$(MAKE) -C $(KDIR) M=$(MODULE_O) modules

# Builds against Debian's 6.1 headers, checkpatch, then the QEMU rig scenarios.
module-check:
	@scripts/install-deps.sh module qemu
	tests/qemu/module-tests.sh $(O)

# Source for DKMS (dkms add/build/install vfio-early/$(VERSION)); see the README, "Kernel-assisted mode".
module-install:
	install -D -m 0644 Kbuild $(DESTDIR)$(DKMS_SRCDIR)/vfio-early-$(VERSION)/Kbuild
	install -D -m 0644 module/vfio_early.c \
		$(DESTDIR)$(DKMS_SRCDIR)/vfio-early-$(VERSION)/module/vfio_early.c
	install -D -m 0644 module/vfio_early_limits.h \
		$(DESTDIR)$(DKMS_SRCDIR)/vfio-early-$(VERSION)/module/vfio_early_limits.h
	for f in module/conftest/*.c; do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMS_SRCDIR)/vfio-early-$(VERSION)/$$f || exit 1; \
	done
	sed 's/@VERSION@/$(VERSION)/' module/dkms.conf > $(DESTDIR)$(DKMS_SRCDIR)/vfio-early-$(VERSION)/dkms.conf

# ---- Debian packages (debian/): vfio-early and vfio-early-dkms, into build/deb ----
# dpkg-buildpackage runs on a copy of the tree (the files git knows, and new ones it does not
# ignore) in a temporary directory, so the tree gets no debian/.debhelper or build droppings.
DEB_DIR := build/deb
.PHONY: deb
deb:
	@scripts/install-deps.sh build deb
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)
	@echo "dpkg-buildpackage -us -uc -b on a copy of the tree (log: $(DEB_DIR)/build.log)"
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; mkdir "$$tmp/src"; \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null; \
	else \
		tar --exclude=./build --exclude=./.cache --exclude=./.git -cf - .; \
	fi | tar -xf - -C "$$tmp/src"; \
	if ! (cd "$$tmp/src" && dpkg-buildpackage -us -uc -b) >$(DEB_DIR)/build.log 2>&1; then \
		tail -n 40 $(DEB_DIR)/build.log; exit 1; \
	fi; \
	mv "$$tmp"/*.deb "$$tmp"/*.buildinfo "$$tmp"/*.changes $(DEB_DIR)/
	@ls -l $(DEB_DIR)/*.deb

include initramfs/install.mk

-include $(shell find build -name '*.d' -type f 2>/dev/null)
