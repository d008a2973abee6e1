# pm: one static binary. `make` builds ./pm; `make test` runs every test.
# musl-gcc is used when installed, else gcc -static. SAN=1 builds a
# dynamically linked ASan+UBSan binary for the test suite.

# ARCH=aarch64, armhf, mipsel or s390x (big-endian) cross-builds
# ./pm-ARCH with Debian's cross gcc and musl (musl-dev:ARCH) and that
# architecture's libinih.a (multiarch).
ARCH	?=
CROSS_aarch64	= aarch64-linux-gnu aarch64-linux-musl arm64
CROSS_armhf	= arm-linux-gnueabihf arm-linux-musleabihf armhf
CROSS_mipsel	= mipsel-linux-gnu mipsel-linux-musl mipsel
CROSS_s390x	= s390x-linux-gnu s390x-linux-musl s390x
ifneq ($(ARCH),)
ifeq ($(CROSS_$(ARCH)),)
$(error ARCH must be aarch64, armhf, mipsel or s390x)
endif
TRIPLE	= $(word 1,$(CROSS_$(ARCH)))
MUSL	= $(word 2,$(CROSS_$(ARCH)))-gcc
DEBARCH	= $(word 3,$(CROSS_$(ARCH)))
INIH_A	= /usr/lib/$(TRIPLE)/libinih.a
BIN	= pm-$(ARCH)
else
# The build machine's own multiarch directory: with foreign architectures
# added, /usr/lib/*/libinih.a also matches theirs.
TRIPLE	:= $(shell gcc -print-multiarch 2>/dev/null)
INIH_A	?= $(firstword $(wildcard /usr/lib/$(TRIPLE)/libinih.a /usr/lib/libinih.a))
MUSL	:= $(shell command -v musl-gcc 2>/dev/null)
BIN	= pm
endif

SRCS	= pm.c config.c proc.c log.c logbuf.c pdu.c ctl.c client.c sha256.c check.c sched.c init.c cgroup.c \
	  http.c events.c \
	  safefile.c sys.c cfgparse.c esc.c plat_unix.c adhoc.c out.c
HDRS	= clock.h pm.h config.h proc.h log.h logbuf.h safefile.h check.h sched.h ctl.h cgroup.h \
	  client.h init.h pdu.h sha256.h sys.h plat.h http.h events.h adhoc.h out.h
SRCS	+= superv.c
HDRS	+= superv.h
WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS	?= -Oz -g
CFLAGS	+= $(WARN) -std=c11 -D_GNU_SOURCE -Ibuild/include -ffunction-sections -fdata-sections \
	  -fno-asynchronous-unwind-tables -fno-unwind-tables

ifeq ($(SAN),1)
CC	= gcc
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
else
# The static binary is not position independent (so -fPIE code would only
# be bigger), and musl has no CET support (endbr64 would only pad). Compare
# chains instead of jump tables, and no values kept in call-clobbered
# registers across calls (-fno-caller-saves), are smaller; pm never runs hot.
CFLAGS	+= -fno-pie -fcf-protection=none -fno-jump-tables -fno-caller-saves
# x86's gcc aligns every table of 32 bytes or more to 32 for vector loads
# (-malign-data=compat); the ABI's alignment is enough for tables read a
# row at a time: 328 bytes of padding on x86-64.
ifeq ($(ARCH)$(shell uname -m),x86_64)
CFLAGS	+= -malign-data=abi
endif
endif
ifeq ($(SAN),1)
else ifneq ($(MUSL),)
CC	= $(MUSL)
# musl applies no RELRO in a static binary (there is no dynamic linker to do
# it), so its page alignment would only pad the file. A small common page
# size lets ld start the data segment at the file offset where the text
# ends (the usual same-offset-modulo-page layout) instead of padding the
# file to the next 4 KiB.
LDFLAGS	+= -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none \
	   -Wl,-z,norelro -Wl,-z,common-page-size=64 -Wl,--sort-section=alignment
# Link-time optimisation lets -Oz inline and drop across the modules
# (issue 13: 1,088 bytes on x86-64). The link compiles the code, so it
# gets CFLAGS too, -Werror included.
CFLAGS	+= -flto=auto
# arm64's linker aligns segments to 64 KiB by default: padding, not code.
PAGE4K	= -Wl,-z,max-page-size=4096
LDFLAGS	+= $(if $(ARCH),$(PAGE4K))
else
LDFLAGS	+= -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none
endif

FLAVOR	= $(if $(filter 1,$(SAN)),san,$(if $(ARCH),$(ARCH),static))
OBJDIR	= build/obj-$(FLAVOR)
OBJS	= $(SRCS:%.c=$(OBJDIR)/%.o)
# Debian packages the build, the tests and the demo need (a static busybox
# for the scratch images of t_socket_rule and t_ping); with ARCH, the
# cross toolchain, that architecture's musl and inih, and qemu-user.
DEPS	= make gcc libc6-dev musl-tools libinih-dev util-linux procps python3 curl
ifeq ($(ARCH),)
DEPS	+= busybox-static
endif
ifneq ($(ARCH),)
DEPS	+= gcc-$(TRIPLE) musl-dev:$(DEBARCH) libinih-dev:$(DEBARCH) qemu-user-static
QEMU_USER = qemu-$(if $(filter armhf,$(ARCH)),arm,$(ARCH))-static
STRIP	= $(TRIPLE)-strip
else
STRIP	= strip
endif

.PHONY: all clean install uninstall test demo deps unit size client-windows test-windows test-boot test-docker fuzz fuzz-build memcheck bench bench-quick
all: $(BIN)

# ./$(BIN) is stripped (issue 17); build/$(BIN).debug keeps the symbols
# for gdb. The sanitizer build is left whole, for its reports.
$(BIN): build/$(BIN).debug
	$(if $(filter 1,$(SAN)),cp $< $@,$(STRIP) -o $@ $<)

build/$(BIN).debug: $(OBJS) $(INIH_A) build/flavor-$(FLAVOR)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(INIH_A)

# Switching between SAN=1 and the static build relinks ./pm.
build/flavor-$(FLAVOR):
	mkdir -p build && rm -f build/flavor-static build/flavor-san && touch $@

$(OBJDIR)/%.o: %.c $(HDRS) build/include/ini.h | $(OBJDIR)
	$(CC) $(CFLAGS) -c -o $@ $<

# musl-gcc does not search /usr/include, so inih's header is copied here.
build/include/ini.h:
	@test -f /usr/include/ini.h || { echo "missing /usr/include/ini.h: apt-get install -y libinih-dev" >&2; exit 1; }
	mkdir -p build/include && cp /usr/include/ini.h $@

$(OBJDIR):
	mkdir -p $@

$(INIH_A):
	@echo "libinih.a not found: apt-get install -y libinih-dev musl-tools" >&2; exit 1

# Unit tests: tests/unit/NAME_test.c is linked with NAME.c (and inih) only,
# always with plain gcc and the sanitizers, whatever builds ./pm.
UNIT_BINS = $(patsubst %.c,%.bin,$(wildcard tests/unit/*_test.c))
UNIT_CFLAGS = -O1 -g $(WARN) -std=c11 -D_GNU_SOURCE -Ibuild/include -I. \
	-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

unit: $(UNIT_BINS)

# config.c parses schedules with sched.c, so its test links both; its
# small parsers shared with the client live in cfgparse.c, and `pm help
# run` prints its keys through out.c.
UNIT_EXTRA_config = sched.c cfgparse.c out.c superv.c
# The TCP auth helpers in sha256.c frame PDUs with pdu.c.
UNIT_EXTRA_sha256 = pdu.c
# log.c opens its file target with safefile.c, and calls nothing else.
UNIT_EXTRA_log = safefile.c esc.c
# check.c plans schedules with sched.c; the test stands in for the rest.
UNIT_EXTRA_check = sched.c
# proc.c's state machine: its test fakes the sys seam and pm.c's loop, and
# PROC_UNIT shows it the table's cells and which of them ran. The state
# names are pdu.c's.
UNIT_EXTRA_proc = -DPROC_UNIT config.c cfgparse.c sched.c log.c esc.c safefile.c out.c \
	pdu.c superv.c

tests/unit/%_test.bin: tests/unit/%_test.c %.c $(HDRS) build/include/ini.h $(INIH_A) sched.c safefile.c \
	cfgparse.c esc.c out.c
	gcc $(UNIT_CFLAGS) -o $@ $< $*.c $(UNIT_EXTRA_$*) $(INIH_A)

# Fuzzing (tests/fuzz): each target is one LLVMFuzzerTestOneInput linked
# with the pure module it exercises. `make fuzz` builds them with clang and
# libFuzzer and runs each for FUZZ_SECONDS; the suite replays every seed and
# every kept crash input through the same targets built with gcc (replay.c
# stands in for libFuzzer's main), so regressions need no clang.
# A target is a file tests/fuzz/fuzz_NAME.c (t_fuzz_replay.sh finds them
# the same way).
FUZZ_TARGETS	= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS	?= 60
FUZZ_CC		?= clang
FUZZ_CFLAGS	= -O1 -g -std=c11 -D_GNU_SOURCE -Ibuild/include -I. \
	-Wall -Wextra -Werror -Wno-missing-field-initializers \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
fuzz_src	= tests/fuzz/fuzz_$(1).c $(if $(filter config command duration cron superv,$(1)),config.c cfgparse.c sched.c out.c superv.c,pdu.c) \
	$(if $(filter handshake,$(1)),sha256.c)
FUZZ_BINS	= $(FUZZ_TARGETS:%=build/fuzz/%)
REPLAY_BINS	= $(FUZZ_TARGETS:%=build/fuzz/%.replay)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

build/fuzz/%: tests/fuzz/fuzz_%.c config.c cfgparse.c sched.c pdu.c sha256.c out.c superv.c $(HDRS) build/include/ini.h $(INIH_A)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ \
	    $(call fuzz_src,$*) $(INIH_A)

build/fuzz/%.replay: tests/fuzz/fuzz_%.c tests/fuzz/replay.c config.c cfgparse.c sched.c pdu.c sha256.c out.c superv.c $(HDRS) build/include/ini.h $(INIH_A)
	@mkdir -p build/fuzz
	gcc $(FUZZ_CFLAGS) -fsanitize=address,undefined -o $@ \
	    tests/fuzz/replay.c $(call fuzz_src,$*) $(INIH_A)

# memcheck: valgrind over a representative server session. valgrind needs
# a dynamically linked glibc binary without ASan, so build/pm-vg is built
# from objects of its own and ./pm is left alone; and it emulates no clone
# that shares the descriptor table, so that build spawns with a copy.
VG_OBJS	= $(patsubst %.c,build/obj-vg/%.o,$(SRCS))

build/obj-vg/%.o: %.c $(HDRS) build/include/ini.h
	@mkdir -p build/obj-vg
	gcc -O1 -g $(WARN) -std=c11 -D_GNU_SOURCE -DSPAWN_COPY -Ibuild/include -c -o $@ $<

build/pm-vg: $(VG_OBJS) $(INIH_A)
	gcc -o $@ $(VG_OBJS) $(INIH_A)

memcheck: build/pm-vg
	tests/memcheck.sh

# deps: install what is missing through apt when root, else print the line.
deps:
	@tests/install-deps.sh $(DEPS)

# test: every unit test and black-box test against the real ./pm. With
# ARCH, the black-box tests run against ./pm-ARCH under qemu-user, through
# a wrapper that stands in for $$PM (see README, "Cross builds").
ifeq ($(ARCH),)
test: pm unit $(REPLAY_BINS)
	tests/run.sh
else
test: $(BIN)
	@mkdir -p build && printf '#!/bin/sh\nexec %s %s "$$@"\n' \
	    "$$(command -v $(QEMU_USER))" "$(CURDIR)/$(BIN)" >build/pm-qemu-$(ARCH) && \
	    chmod +x build/pm-qemu-$(ARCH)
	PM=$(CURDIR)/build/pm-qemu-$(ARCH) PM_EMULATED=$(ARCH) tests/run.sh $(TESTS)
endif

# test-boot: boot a real kernel under qemu-system with pm as /sbin/init
# (x86-64, then arm64); installs qemu, busybox and a kernel when missing.
test-boot:
	$(MAKE) pm
	$(MAKE) ARCH=aarch64 deps
	$(MAKE) ARCH=aarch64
	tests/boot/run.sh x86_64
	tests/boot/run.sh aarch64

# test-docker: pm under a real Docker engine started for the tests alone
# (tests/docker/run.sh); installs docker.io, busybox-static and debootstrap
# when missing. TESTS=PATTERN runs the matching tests/docker/t_*.sh only.
test-docker:
	$(MAKE) pm
	tests/install-deps.sh docker.io busybox-static debootstrap python3
	tests/docker/run.sh $(TESTS)

# demo: pm in the foreground on a small config; ctrl-C stops it.
demo: deps
	$(MAKE) pm
	./pm -d -c init-examples/demo.ini -S build/demo.sock

# size: bytes of the stripped binary. On x86-64 it fails over the budget
# of 160 KiB (163,840 bytes), measured with musl's own malloc, stdio and
# strtol; the other architectures only print theirs.
SIZE_MAX_x86_64	= 163840
size: $(BIN)
	@mkdir -p build && $(STRIP) -o build/$(BIN).stripped $(BIN) && \
	    n=$$(stat -c %s build/$(BIN).stripped) && \
	    echo "$$n bytes stripped ($(BIN))" && \
	    if [ -z "$(ARCH)" ] && [ "$$(uname -m)" = x86_64 ] && [ $$n -gt $(SIZE_MAX_x86_64) ]; then \
		echo "over the budget of $(SIZE_MAX_x86_64) bytes" >&2; exit 1; fi

# client-windows: pm.exe, the client alone for Windows (issue 20), built
# with Debian's mingw-w64 (installed when missing): the shared client,
# wire and auth code, the config's small parsers and the escaper, and the
# Windows platform layer. No server code is linked in.
WIN_CC	= x86_64-w64-mingw32-gcc
WIN_SRCS = client.c pdu.c sha256.c cfgparse.c esc.c plat_win.c out.c
client-windows: pm.exe

pm.exe: $(WIN_SRCS) $(HDRS)
	@command -v $(WIN_CC) >/dev/null || tests/install-deps.sh gcc-mingw-w64-x86-64
	$(WIN_CC) -Os $(WARN) -std=c11 -D_WIN32_WINNT=0x0601 -ffunction-sections \
	    -fdata-sections -static -s -Wl,--gc-sections -o $@ $(WIN_SRCS) -lws2_32 -lbcrypt -ladvapi32

# test-windows: pm.exe under wine against a real Linux pm over TCP
# (tests/t_windows.sh); installs wine when missing.
test-windows: pm pm.exe
	tests/install-deps.sh wine64
	tests/run.sh t_windows

# bench: pm against tini, dumb-init, catatonit, runit, s6, supervisord
# (installed from Debian when missing); writes bench/RESULTS.md. Not part
# of `make test`: speed targets never live in timed unit tests.
bench: pm
	bench/run.sh

bench-quick: pm
	bench/run.sh --quick

# install: the binary, the man pages, bash and zsh completion where
# bash-completion and zsh look, and the example configs. PREFIX, DESTDIR.
PREFIX	?= /usr/local
SHARE	= $(DESTDIR)$(PREFIX)/share
INSTALLED = $(DESTDIR)$(PREFIX)/bin/pm $(SHARE)/man/man1/pm.1 \
	$(SHARE)/man/man5/pm.ini.5 $(SHARE)/bash-completion/completions/pm \
	$(SHARE)/zsh/site-functions/_pm \
	$(patsubst init-examples/%,$(SHARE)/doc/pm/examples/%,$(wildcard init-examples/*.ini))

install: $(BIN)
	install -D -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/pm
	install -D -m 644 man/pm.1 $(SHARE)/man/man1/pm.1
	install -D -m 644 man/pm.ini.5 $(SHARE)/man/man5/pm.ini.5
	install -D -m 644 completion/pm.bash $(SHARE)/bash-completion/completions/pm
	install -D -m 644 completion/_pm $(SHARE)/zsh/site-functions/_pm
	install -d $(SHARE)/doc/pm/examples
	install -m 644 init-examples/*.ini $(SHARE)/doc/pm/examples

uninstall:
	rm -f $(INSTALLED)
	-rmdir $(SHARE)/doc/pm/examples $(SHARE)/doc/pm 2>/dev/null

clean:
	rm -rf build pm pm.exe pm-aarch64 pm-armhf pm-mipsel pm-s390x tests/unit/*.bin
