/*
 * fuzz_pdu.c: the server's request decoder, as ctl.c drives it: judge the
 * header of whatever arrived, then decode the one PDU it frames. A request
 * that decodes must pack again to bytes that decode to the same request,
 * so a field the decoder accepts can never be one the encoder mangles.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pdu.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pdu_req q, r;
	static uint8_t buf[PDU_MAX];
	struct pdu_hdr h;
	int n, i;

	if (pdu_hdr_unpack(data, size, &h) != 0 || h.len > size)
		return 0;
	(void)pdu_type_name(h.type);
	if (pdu_req_unpack(data, h.len, &q) != 0)
		return 0;
	if ((n = pdu_req_pack(buf, sizeof(buf), &q)) < 0)
		abort();
	if (pdu_req_unpack(buf, (size_t)n, &r) != 0)
		abort();
	if (r.type != q.type || r.flags != q.flags || r.reqid != q.reqid ||
	    r.nids != q.nids)
		abort();
	for (i = 0; i < q.nids; i++)
		if (strcmp(r.ids[i], q.ids[i]) != 0)
			abort();
	/* Fields a type does not use are decoded but never sent. */
	if (q.type == PDU_SETTING_SHOW && strcmp(r.key, q.key) != 0)
		abort();
	if (q.type == PDU_SIGNAL && r.sig != q.sig)
		abort();
	if (q.type == PDU_AUTH && memcmp(r.mac, q.mac, PDU_MAC_LEN) != 0)
		abort();
	return 0;
}
