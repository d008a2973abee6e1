/*
 * sched.h: schedules: "@every" intervals and cron expressions (sched.c).
 */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A schedule (sched.c): "@every" as an interval, or cron as bit masks,
 * one bit per allowed minute, hour, day, month and weekday (Sunday 0).
 */
struct sched {
	uint32_t	 every_ms;	/* 0: cron */
	uint64_t	 min;
	uint32_t	 hour;
	uint32_t	 dom;
	uint16_t	 mon;
	uint8_t		 dow;
	bool		 dom_any, dow_any;
};

/* Parse "@every 10m", "@daily" or five cron fields; -1 with why. */
int	 sched_parse(const char *, struct sched *, const char **why);
/* The first matching minute after `after` (Unix seconds, local time). */
long long sched_next(const struct sched *, long long after);
/* The nearer of two deadlines, where 0 is none. */
uint64_t sched_earliest(uint64_t, uint64_t);

#endif /* SCHED_H */
