/*
 * clock.h: clock_now(), clock_gettime through the system call. libc's
 * first looks the call up in the vDSO, code that saves no time worth its
 * size to a loop that sleeps between events. Where time_t outgrew the old
 * call (32-bit ARM and MIPS), libc's chooses between that and the 64-bit
 * one by kernel, so it stays.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef SYS_clock_gettime64
#define clock_now(c, ts)	clock_gettime((c), (ts))
#else
#define clock_now(c, ts)	syscall(SYS_clock_gettime, (c), (ts))
#endif

#endif /* CLOCK_H */
