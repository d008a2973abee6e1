/*
 * pdu.h: pm's control protocol on the wire (see PROTOCOL.md).
 *
 * Every PDU is a 16-byte header in network byte order followed by a
 * payload of TLV fields. Each message is a table of fields in pdu.c,
 * which one pack and one unpack walk; nothing in memory is ever sent as
 * it lies. pdu.c does no I/O,
 * no logging and keeps no state, so it can be unit-tested and fuzzed.
 */
#ifndef PDU_H
#define PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PDU_MAGIC	0x504d		/* "PM" */
#define PM_PROTO	1
#define PDU_HDR_SIZE	16
#define PDU_MAX		65536		/* whole PDU, header included */

/* Header offsets. magic and version stay where they are in every version. */
#define PDU_OFF_MAGIC	0
#define PDU_OFF_VERSION	2
#define PDU_OFF_TYPE	3
#define PDU_OFF_FLAGS	4
#define PDU_OFF_RSVD	6
#define PDU_OFF_REQID	8
#define PDU_OFF_LEN	12

/* Field sizes, NUL included where the field is a string. */
#define PDU_ID_MAX	40
#define PDU_IDS_MAX	256		/* IDs in one request */
#define PDU_KEY_MAX	64
#define PDU_STATE_MAX	16
#define PDU_CODE_MAX	32
#define PDU_VERS_MAX	32
#define PDU_MSG_MAX	4096
#define PDU_TEXT_MAX	8192
#define PDU_NOTE_MAX	96
#define PDU_NONCE_LEN	32
#define PDU_MAC_LEN	32
#define PDU_HOST_MAX	256		/* the HOST:PORT a client dialled */
#define PDU_TAG_LEN	32
#define PDU_SEAL_SIZE	(4 + PDU_TAG_LEN)	/* the TAG field */
/*
 * TCP auth version 2 (issue 11): the labels that keep the client's
 * answer, the server's proof and the session key apart.
 */
#define PDU_AUTHV	2
#define PDU_AUTH_CLIENT	"pm-ctl-auth-v2 client"
#define PDU_AUTH_SERVER	"pm-ctl-auth-v2 server"
#define PDU_AUTH_SESSION "pm-ctl-auth-v2 session"

/* Message types: requests below 0x80, replies from 0x80. */
enum pdu_type {
	PDU_START = 0x01, PDU_STOP, PDU_RESTART, PDU_STATUS, PDU_SIGNAL,
	PDU_CONFIG_SHOW, PDU_CONFIG_RELOAD, PDU_SETTING_SHOW,
	PDU_SETTING_RELOAD, PDU_SHUTDOWN, PDU_HALT, PDU_POWEROFF,
	PDU_REBOOT, PDU_VERSION, PDU_AUTH, PDU_LOGS, PDU_LOG_REOPEN,
	PDU_METRICS, PDU_EVENTS, PDU_RUN, PDU_RM, PDU_WHY, PDU_SAVE,
	PDU_REQ_LAST = PDU_SAVE,

	PDU_OK = 0x80, PDU_ERROR, PDU_END, PDU_STATUS_REC, PDU_TEXT,
	PDU_VERSION_REP, PDU_CHALLENGE, PDU_AUTH_OK,
	PDU_REP_LAST = PDU_AUTH_OK
};

/* Header flags. */
#define PDU_F_DRY_RUN	0x0001		/* CONFIG_RELOAD: plan only */
#define PDU_F_FOLLOW	0x0002		/* LOGS, EVENTS: keep streaming */
#define PDU_F_JSON	0x0004		/* EVENTS: JSON lines */

/* Field tags. */
enum pdu_tag {
	T_ID = 1, T_SIGNAL, T_KEY, T_STATE, T_PID, T_UPTIME, T_RESTARTS,
	T_EXIT, T_KIND, T_TEXT, T_COUNT, T_CODE, T_MESSAGE, T_VERSION,
	T_PROTO, T_NONCE, T_MAC, T_SINCE, T_HEALTH, T_CHECK_FAILS, T_SKIPS,
	T_NEXT_RUN, T_NOTE, T_CHECK_OUT, T_DROPPED, T_AUTHV, T_HOST, T_TAG,
	T_MEM, T_CPU, T_PIDS, T_OOMS, T_CG,
	T_ADDED
};

/* Results of the unpack functions (0 is success). */
enum pdu_err {
	PDU_EOK = 0,
	PDU_ESHORT = -1,	/* fewer bytes than a header: read more */
	PDU_EMAGIC = -2,	/* not a pm PDU */
	PDU_EVERSION = -3,	/* another protocol version; hdr is filled */
	PDU_ELEN = -4,		/* length < header or > PDU_MAX */
	PDU_ETYPE = -5,		/* unknown type, or not the one expected */
	PDU_EFIELD = -6,	/* a field is truncated, too long or bad */
	PDU_ESPACE = -7		/* pack: the output buffer is too small */
};

struct pdu_hdr {
	uint8_t		version;
	uint8_t		type;
	uint16_t	flags;
	uint32_t	reqid;
	uint32_t	len;		/* whole PDU, header included */
};

/* Every request has this one shape; which fields count depends on type. */
struct pdu_req {
	uint8_t		type;
	uint16_t	flags;
	uint32_t	reqid;
	int		nids;
	char		ids[PDU_IDS_MAX][PDU_ID_MAX];
	int		sig;			/* SIGNAL */
	char		key[PDU_KEY_MAX];	/* SETTING_SHOW, optional */
	uint8_t		mac[PDU_MAC_LEN];	/* AUTH */
	uint8_t		nonce[PDU_NONCE_LEN];	/* AUTH v2: client nonce */
	char		host[PDU_HOST_MAX];	/* AUTH v2; "" in v1 */
	uint32_t	lines;			/* LOGS: last N lines, 0 all */
	char		text[PDU_TEXT_MAX];	/* RUN: the section's lines */
};

enum pdu_kind { PK_SERVICE = 0, PK_ONESHOT = 1 };

/*
 * STATUS_REC: one process. The numbers first, then the strings: a field
 * within 128 bytes of the start is addressed with a one-byte offset.
 */
struct pdu_status {
	uint64_t	uptime;		/* seconds since spawn; 0 without pid */
	uint64_t	since;		/* seconds in this state */
	uint64_t	dropped;	/* output lines lost to back-pressure */
	uint64_t	next_run;	/* Unix seconds; 0: none */
	uint64_t	mem;		/* bytes (issue 14) */
	uint64_t	cpu_us;		/* CPU time, microseconds */
	uint32_t	pid;		/* 0: none */
	uint32_t	restarts;
	int32_t		last_exit;	/* -1: none */
	uint32_t	check_fails;	/* failed checks in all */
	uint32_t	skips;		/* scheduled runs skipped */
	uint32_t	pids;
	uint32_t	ooms;		/* OOM kills in its group */
	uint8_t		kind;		/* enum pdu_kind */
	uint8_t		health;		/* 0 no check, 1 unknown, 2 healthy,
					   3 unhealthy */
	uint8_t		cg;		/* PDU_CG_* */
	uint8_t		added;		/* 1: added by `pm run` */
	char		id[PDU_ID_MAX];
	char		state[PDU_STATE_MAX];
	char		note[PDU_NOTE_MAX];	/* sd_notify STATUS= */
	char		check_out[PDU_NOTE_MAX];	/* last failed check */
};
/* STATUS_REC's STATE: the names, in proc.h's enum proc_state order. */
enum { PDU_ST_STOPPED, PDU_ST_STARTING, PDU_ST_RUNNING, PDU_ST_STOPPING,
	PDU_ST_EXITED, PDU_ST_BACKOFF, PDU_ST_FATAL, PDU_ST_OTHER };
const char *pdu_state_name(int);	/* "?" for none */
/* STATUS_REC's CG: where the figures come from, and two flags. */
enum { PDU_CG_CGROUP = 1, PDU_CG_PROC = 2, PDU_CG_NOLIMITS = 4,
	PDU_CG_OOM = 8 };

/* TEXT: a config block, a plan line ("key" = ID, text = action), ... */
struct pdu_text {
	char		key[PDU_KEY_MAX];	/* may be empty */
	char		text[PDU_TEXT_MAX];
};

struct pdu_error {
	char		code[PDU_CODE_MAX];	/* "unknown id", "version", ... */
	char		msg[PDU_MSG_MAX];
	uint8_t		proto;			/* the sender's PM_PROTO */
};

struct pdu_version {
	char		version[PDU_VERS_MAX];
	uint8_t		proto;
};

struct pdu_challenge {
	uint8_t		nonce[PDU_NONCE_LEN];
	uint8_t		proto;
	uint8_t		authv;		/* 0 from a server of auth v1 */
};

/*
 * Header: 0 and the header in h when the first PDU_HDR_SIZE bytes of buf
 * are a valid header; a negative enum pdu_err otherwise. On PDU_EVERSION
 * h->version and h->type are set so the caller can name both versions.
 */
int	pdu_hdr_unpack(const uint8_t *buf, size_t avail, struct pdu_hdr *h);
const char *pdu_strerror(int);
const char *pdu_type_name(int type);
bool	pdu_is_request(int type);

/*
 * Any message, from the tables in pdu.c: pdu_pack packs msg, the struct
 * of its type, and returns the PDU's length or a negative enum pdu_err
 * (PDU_ESPACE; PDU_ETYPE for a type pdu.c does not know). pdu_unpack takes
 * one whole PDU (header included) of the given type (0: any request),
 * fills msg (a request's type, flags and reqid too) and returns 0 or an
 * enum pdu_err.
 *
 * The calls below are those two under the name of one message each. Some
 * are macros; PDU_MSG makes the compiler check the struct they are given.
 */
int	pdu_pack(uint8_t *, size_t, int type, uint16_t flags, uint32_t reqid,
	    const void *msg);
int	pdu_unpack(const uint8_t *, size_t, int type, void *msg);
#define PDU_MSG(p, T)	(1 ? (p) : (T *)0)

int	pdu_req_pack(uint8_t *, size_t, const struct pdu_req *);
int	pdu_req_unpack(const uint8_t *, size_t, struct pdu_req *);
int	pdu_ok_pack(uint8_t *, size_t, uint32_t reqid, const char *msg);
int	pdu_ok_unpack(const uint8_t *, size_t, char *msg, size_t msglen);
int	pdu_error_pack(uint8_t *, size_t, uint32_t reqid, const char *code,
	    const char *msg);
#define pdu_error_unpack(b, n, e) \
	pdu_unpack(b, n, PDU_ERROR, PDU_MSG(e, struct pdu_error))
#define pdu_end_pack(b, n, reqid, count) \
	pdu_pack(b, n, PDU_END, 0, reqid, &(const uint32_t){ (count) })
#define pdu_end_unpack(b, n, count) \
	pdu_unpack(b, n, PDU_END, PDU_MSG(count, uint32_t))
#define pdu_status_pack(b, n, reqid, s) \
	pdu_pack(b, n, PDU_STATUS_REC, 0, reqid, \
	    PDU_MSG(s, const struct pdu_status))
#define pdu_status_unpack(b, n, s) \
	pdu_unpack(b, n, PDU_STATUS_REC, PDU_MSG(s, struct pdu_status))
int	pdu_text_pack(uint8_t *, size_t, uint32_t reqid, const char *key,
	    const char *text);
#define pdu_text_unpack(b, n, t) \
	pdu_unpack(b, n, PDU_TEXT, PDU_MSG(t, struct pdu_text))
int	pdu_version_pack(uint8_t *, size_t, uint32_t reqid, const char *vers);
#define pdu_version_unpack(b, n, v) \
	pdu_unpack(b, n, PDU_VERSION_REP, PDU_MSG(v, struct pdu_version))
int	pdu_challenge_pack(uint8_t *, size_t, const uint8_t *nonce);
#define pdu_challenge_unpack(b, n, c) \
	pdu_unpack(b, n, PDU_CHALLENGE, PDU_MSG(c, struct pdu_challenge))
int	pdu_auth_ok_pack(uint8_t *, size_t, const uint8_t *mac);
int	pdu_auth_ok_unpack(const uint8_t *, size_t, uint8_t *mac);
/*
 * After TCP auth every PDU ends with a TAG field (PROTOCOL.md). pdu_seal
 * appends its header and room for the tag to the PDU of n bytes in buf
 * and fixes the length: the new length, or PDU_ESPACE. pdu_sealed: 0 when
 * the whole PDU of len bytes ends with a TAG field, else PDU_EFIELD.
 */
int	pdu_seal(uint8_t *, size_t cap, size_t n);
int	pdu_sealed(const uint8_t *, size_t len);

/* Big-endian helpers, shared with tests. */
void	pdu_put16(uint8_t *, uint16_t);
void	pdu_put32(uint8_t *, uint32_t);
void	pdu_put64(uint8_t *, uint64_t);
uint16_t pdu_get16(const uint8_t *);
uint32_t pdu_get32(const uint8_t *);
uint64_t pdu_get64(const uint8_t *);

/*
 * The contract's health rules over a status record, shared by the client
 * (status, ping) and the server (/readyz, metrics): pdu_not_fine is NULL
 * when s is fine, else why not: written into buf, or a constant string.
 */
bool	pdu_is_up(const struct pdu_status *);
const char *pdu_not_fine(const struct pdu_status *, char *buf, size_t len);

#endif /* PDU_H */
