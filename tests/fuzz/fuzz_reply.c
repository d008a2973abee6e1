/*
 * fuzz_reply.c: the client's reply decoder. client.c keeps its reply walk
 * static (it prints as it goes), so this drives the same pdu.c functions
 * in the same order over a byte stream a server could send: the TCP
 * challenge first when the stream starts with one, then PDU after PDU,
 * each header judged before its body, until END, an error or a short
 * read. A reply that decodes is packed again and must decode the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pdu.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	 buf[PDU_MAX];

static void
again_status(const struct pdu_status *s)
{
	struct pdu_status t;
	int n;

	if ((n = pdu_status_pack(buf, sizeof(buf), 0, s)) < 0 ||
	    pdu_status_unpack(buf, (size_t)n, &t) != 0 ||
	    strcmp(s->id, t.id) != 0 || strcmp(s->state, t.state) != 0 ||
	    s->pid != t.pid || s->uptime != t.uptime ||
	    s->since != t.since || s->restarts != t.restarts ||
	    s->last_exit != t.last_exit || s->kind != t.kind)
		abort();
}

static void
again_text(const struct pdu_text *x)
{
	static struct pdu_text y;
	int n;

	if ((n = pdu_text_pack(buf, sizeof(buf), 0, x->key, x->text)) < 0 ||
	    pdu_text_unpack(buf, (size_t)n, &y) != 0 ||
	    strcmp(x->key, y.key) != 0 || strcmp(x->text, y.text) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pdu_text t;
	static struct pdu_error e;
	struct pdu_challenge ch;
	struct pdu_status st;
	struct pdu_version v;
	struct pdu_hdr h;
	char msg[PDU_MSG_MAX];
	uint32_t count;
	size_t off = 0;

	for (;;) {
		if (pdu_hdr_unpack(data + off, size - off, &h) != 0 ||
		    h.len > size - off)
			return 0;
		switch (h.type) {
		case PDU_CHALLENGE:
			if (off == 0 &&
			    pdu_challenge_unpack(data, h.len, &ch) != 0)
				return 0;
			break;
		case PDU_ERROR:
			if (pdu_error_unpack(data + off, h.len, &e) == 0 &&
			    (strlen(e.code) >= sizeof(e.code) ||
			    strlen(e.msg) >= sizeof(e.msg)))
				abort();
			return 0;
		case PDU_STATUS_REC:
			if (pdu_status_unpack(data + off, h.len, &st) != 0)
				return 0;
			again_status(&st);
			break;
		case PDU_TEXT:
			if (pdu_text_unpack(data + off, h.len, &t) != 0)
				return 0;
			again_text(&t);
			break;
		case PDU_END:
			(void)pdu_end_unpack(data + off, h.len, &count);
			return 0;
		case PDU_VERSION_REP:
			(void)pdu_version_unpack(data + off, h.len, &v);
			return 0;
		case PDU_OK:
			(void)pdu_ok_unpack(data + off, h.len, msg,
			    sizeof(msg));
			return 0;
		default:
			return 0;
		}
		off += h.len;
	}
}
