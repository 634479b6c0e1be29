/*
 * open.c: opening a board by URI (SYNC, then INFO, which must be protocol version 1), closing it, and
 * the accessors of the handle: INFO, the last message, the progress callback, link statistics.
 */
#include <stdlib.h>

#include "board.h"

enum {
	INFO_FIXED = 24,            /* INFO answer data before the engine records */
	INFO_ENGINE = 8,            /* bytes per engine record */
};

static char open_err[MMFI_ERR_LEN];  /* message of the last failed mmf_open */

static int parse_info(mmf_board *b, const uint8_t *d, uint16_t n)
{
	struct mmf_info *in = &b->info;
	uint32_t e;

	if (n >= 1 && d[0] != MMF_PROTO_VERSION) {
		mmfi_msg(b->err, sizeof(b->err), "board speaks protocol version %u, this host speaks %u: "
			 "a wrong bitstream on the board (flash the one built with this host, or use the "
			 "mmfree that matches it)", d[0], (unsigned)MMF_PROTO_VERSION);
		return MMF_ERR_VERSION;
	}
	/* the engine table may be followed by one features byte (docs/protocol.md) */
	if (n < INFO_FIXED || d[3] > MMF_INFO_MAX_ENGINES || (n != INFO_FIXED + INFO_ENGINE * d[3] &&
							       n != INFO_FIXED + INFO_ENGINE * d[3] + 1)) {
		mmfi_msg(b->err, sizeof(b->err), "INFO: answer of %u data bytes for %u engines (expected "
			 "%u + 8 per engine, then at most a features byte, at most %u engines)", n,
			 n >= 4 ? d[3] : 0u, (unsigned)INFO_FIXED, (unsigned)MMF_INFO_MAX_ENGINES);
		return MMF_ERR_PROTOCOL;
	}
	in->features = n > INFO_FIXED + INFO_ENGINE * d[3] ? d[n - 1] : 0;
	in->version = d[0];
	in->board_id = d[1];
	in->link = d[2];
	in->n_engines = d[3];
	in->clock_hz = mmfi_get32(d + 4);
	in->link_rate = mmfi_get32(d + 8);
	in->wmem_words = mmfi_get32(d + 12);
	in->max_payload = (uint16_t)mmfi_get16(d + 16);
	in->res_rows = (uint16_t)mmfi_get16(d + 18);
	in->git_rev = mmfi_get32(d + 20);
	for (e = 0; e < in->n_engines; e++) {
		const uint8_t *r = d + INFO_FIXED + INFO_ENGINE * e;
		in->engine[e].id = r[0];
		in->engine[e].format = r[1];
		in->engine[e].lanes = r[2];
		in->engine[e].lg_act = r[3];
		in->engine[e].max_cols = (uint16_t)mmfi_get16(r + 4);
		if (in->engine[e].lanes == 0) {
			mmfi_msg(b->err, sizeof(b->err), "INFO: engine %u has 0 lanes", e);
			return MMF_ERR_PROTOCOL;
		}
	}
	if (in->max_payload < 16) {
		mmfi_msg(b->err, sizeof(b->err), "INFO: max payload %u bytes, too small for any "
			 "command", in->max_payload);
		return MMF_ERR_PROTOCOL;
	}
	b->mtu_max = in->max_payload < MMF_MAX_PAYLOAD ? in->max_payload : MMF_MAX_PAYLOAD;
	b->mtu = b->mtu_max;
	mmfi_link_set_rate(&b->link, in->link_rate);
	return MMF_OK;
}

int mmf_open(const char *uri, mmf_board **out)
{
	const struct mmfi_board_kind *kind;
	struct mmfi_uri u;
	mmf_board *b;
	const uint8_t *d;
	uint16_t n;
	int r;

	if (!out) {
		mmfi_msg(open_err, sizeof(open_err), "mmf_open: out is NULL");
		return MMF_ERR_ARG;
	}
	*out = NULL;
	r = mmfi_uri_parse(uri, &u, &kind, open_err, sizeof(open_err));
	if (r)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b) {
		mmfi_msg(open_err, sizeof(open_err), "mmf_open: out of memory (%zu bytes)", sizeof(*b));
		return MMF_ERR_NOMEM;
	}
	r = mmfi_uri_transport(&u, kind, &b->t, &b->flags, b->err, sizeof(b->err));
	if (r)
		goto fail_free;
	mmfi_link_init(&b->link, b->t, u.timeout_ms, b->err, sizeof(b->err));
	mmfi_link_set_window(&b->link, u.window);
	b->mtu = b->mtu_max = MMF_MAX_PAYLOAD;
	/* SYNC first: whatever sequence number the board had, it takes ours from here */
	r = mmfi_command(b, MMF_CMD_SYNC, NULL, 0, 0, "", NULL, NULL);
	if (r)
		goto fail_close;
	r = mmfi_command(b, MMF_CMD_INFO, NULL, 0, -1, "", &d, &n);
	if (r)
		goto fail_close;
	r = parse_info(b, d, n);
	if (r)
		goto fail_close;
	*out = b;
	return MMF_OK;

fail_close:
	b->t->ops->close(b->t);
fail_free:
	mmfi_msg(open_err, sizeof(open_err), "%s", b->err);
	free(b);
	return r;
}

void mmf_close(mmf_board *b)
{
	if (!b)
		return;
	b->t->ops->close(b->t);
	free(b);
}

unsigned mmf_board_flags(const mmf_board *b)
{
	return b ? b->flags : 0;
}

const char *mmf_board_error(const mmf_board *b)
{
	return b ? b->err : open_err;
}

int mmf_get_info(mmf_board *b, struct mmf_info *info)
{
	*info = b->info;
	return MMF_OK;
}

void mmf_set_progress(mmf_board *b, mmf_progress_fn fn, void *user)
{
	b->progress = fn;
	b->progress_user = user;
}

int mmf_get_link_stats(const mmf_board *b, struct mmf_link_stats *s)
{
	mmfi_link_stats(&b->link, s);
	return MMF_OK;
}
