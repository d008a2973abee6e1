# pm: one static binary. `make` builds ./pm; `make test` runs every test.
# musl-gcc is used when installed, else gcc -static. SAN=1 builds a
# dynamically linked ASan+UBSan binary for the test suite.

# The host's own multiarch directory first: other architectures' copies
# may be installed beside it for cross builds.
INIH_A	?= $(firstword $(wildcard /usr/lib/$(shell gcc -print-multiarch 2>/dev/null)/libinih.a \
	   /usr/lib/libinih.a /usr/lib/*/libinih.a))
MUSL	:= $(shell command -v musl-gcc 2>/dev/null)

SRCS	= pm.c config.c proc.c log.c pdu.c ctl.c client.c sha256.c check.c sched.c logbuf.c
HDRS	= pm.h pdu.h sha256.h
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
# be bigger), and musl has no CET support (endbr64 would only pad).
CFLAGS	+= -fno-pie -fcf-protection=none
endif
ifeq ($(SAN),1)
else ifneq ($(MUSL),)
CC	= musl-gcc
# pm's own printf (fmt.c) and malloc (alloc.c) replace musl's general
# ones, which only add what pm never uses (see each file's comment).
SRCS	+= fmt.c alloc.c
# musl applies no RELRO in a static binary (there is no dynamic linker to do
# it), so its page alignment would only pad the file. A small common page
# size lets ld start the data segment at the file offset where the text
# ends (the usual same-offset-modulo-page layout) instead of padding the
# file to the next 4 KiB.
LDFLAGS	+= -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none \
	   -Wl,-z,norelro -Wl,-z,common-page-size=64 -Wl,--sort-section=alignment
else
LDFLAGS	+= -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none
endif

FLAVOR	= $(if $(filter 1,$(SAN)),san,static)
OBJDIR	= build/obj-$(FLAVOR)
OBJS	= $(SRCS:%.c=$(OBJDIR)/%.o)
# Debian packages the build, the tests and the demo need.
DEPS	= make gcc libc6-dev musl-tools libinih-dev util-linux procps python3

.PHONY: all clean test demo deps unit size
all: pm

pm: $(OBJS) $(INIH_A) build/flavor-$(FLAVOR)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(INIH_A)

# Switching between SAN=1 and the static build relinks ./pm.
build/flavor-$(FLAVOR):
	mkdir -p build && rm -f build/flavor-* && touch $@

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

# config.c parses schedules with sched.c, so its test links both.
UNIT_EXTRA_config = sched.c
# fmt.c and alloc.c are tested under other names beside glibc's.
UNIT_EXTRA_fmt = -DFMT_TEST
UNIT_EXTRA_alloc = -DALLOC_TEST

tests/unit/%_test.bin: tests/unit/%_test.c %.c $(HDRS) build/include/ini.h $(INIH_A) sched.c
	gcc $(UNIT_CFLAGS) -o $@ $< $*.c $(UNIT_EXTRA_$*) $(INIH_A)

# deps: install what is missing through apt when root, else print the line.
deps:
	@missing=; for p in $(DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "missing packages; run as root: apt-get install -y$$missing" >&2; exit 1; fi

# test: every unit test and black-box test against the real ./pm.
test: pm unit
	tests/run.sh

# demo: pm in the foreground on a small config; ctrl-C stops it.
demo: deps
	$(MAKE) pm
	./pm -d -c init-examples/demo.ini -S build/demo.sock

# size: bytes of the stripped binary (the goal is under 131072 on x86-64).
size: pm
	@strip -o build/pm.stripped pm && stat -c '%s bytes stripped' build/pm.stripped

clean:
	rm -rf build pm tests/unit/*.bin
