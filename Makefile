# pm: one static binary. `make` builds ./pm; `make test` runs every test.
# musl-gcc is used when installed, else gcc -static. SAN=1 builds a
# dynamically linked ASan+UBSan binary for the test suite.

INIH_A	?= $(firstword $(wildcard /usr/lib/*/libinih.a /usr/lib/libinih.a))
MUSL	:= $(shell command -v musl-gcc 2>/dev/null)

SRCS	= pm.c config.c proc.c log.c pdu.c ctl.c client.c sha256.c
HDRS	= pm.h pdu.h sha256.h
WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS	?= -Os -g
CFLAGS	+= $(WARN) -std=c11 -D_GNU_SOURCE -Ibuild/include -ffunction-sections -fdata-sections

ifeq ($(SAN),1)
CC	= gcc
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
else ifneq ($(MUSL),)
CC	= musl-gcc
LDFLAGS	+= -static -Wl,--gc-sections
else
LDFLAGS	+= -static -Wl,--gc-sections
endif

OBJDIR	= build/obj$(if $(filter 1,$(SAN)),-san)
OBJS	= $(SRCS:%.c=$(OBJDIR)/%.o)

.PHONY: all clean test demo deps unit
all: pm

pm: $(OBJS) $(INIH_A)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(INIH_A)

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

tests/unit/%_test.bin: tests/unit/%_test.c %.c $(HDRS) build/include/ini.h $(INIH_A)
	gcc $(UNIT_CFLAGS) -o $@ $< $*.c $(INIH_A)

clean:
	rm -rf build pm tests/unit/*.bin
