/*
 * mmf_dev.h: the board as the host sees it through the link, in C: the packet layer and the command
 * controller of docs/protocol.md, with the engines of tac.c, sac.c and lut.c behind them, and on
 * boards built with it, the I2C bus of mmf_i2c.c (an INA226 model on it). It is the
 * specification of the SoC's link side (rtl/) and the `cpu` board of the host library: bytes in,
 * bytes out, exactly as a real board answers.
 *
 * In the synthesizable subset like the rest of hls_c: fixed sizes, no heap, no library calls.
 */
#ifndef MMF_DEV_H
#define MMF_DEV_H

#include "mmf_hls.h"
#include "mmf_engines.h"
#include "mmf_i2c.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MMF_PROTO_VERSION = 1,
	MMF_SYNC0 = 0xA5,
	MMF_SYNC1 = 0x5A,
	MMF_HDR_BYTES = 7,              /* sync 2, type, seq, len 2, hchk */
	MMF_CRC_BYTES = 4,
	MMF_MAX_PAYLOAD = 1024,
	MMF_MAX_PACKET = MMF_HDR_BYTES + MMF_MAX_PAYLOAD + MMF_CRC_BYTES,
	MMF_RES_ROWS = 256,             /* result buffer, rows per RUN */
	MMF_MAX_ENGINES = MMF_N_ENGINE_KINDS, /* one model of each kind stands behind the slots */
	MMF_N_COUNTERS = 12,
	MMF_RX_TIMEOUT_CYCLES = 1 << 16, /* inter-byte gap that drops a partial packet */
	MMF_RESP = 0x80,                /* response type = command | MMF_RESP */
	MMF_NAK = 0x7F,
	MMF_LOAD_MORE = 0x80,           /* LOAD_ACT engine flag: more activations follow */
	MMF_LOAD_FIRST = 0x40,          /* LOAD_ACT engine flag: a new vector starts (drop any part) */
	MMF_LOAD_ENGINE = 0x3F,         /* LOAD_ACT engine byte: the slot */
	MMF_READ_MEM_MAX = 127,         /* words per READ_MEM */
	MMF_READ_RES_MAX = 255,         /* results per READ_RES */
	MMF_I2C_LEN_MIN = 2,            /* I2C payload: addr u8, read count u8, then the bytes to write */
	MMF_I2C_LEN_MAX = 2 + MMF_I2C_MAX_WRITE,
	MMF_INFO_FEAT_I2C = 0x01,       /* INFO features bit: the I2C master and command are built */
};

enum mmf_cmd {
	MMF_CMD_SYNC = 0x01,
	MMF_CMD_INFO = 0x02,
	MMF_CMD_WRITE_MEM = 0x10,
	MMF_CMD_READ_MEM = 0x11,
	MMF_CMD_LOAD_ACT = 0x20,
	MMF_CMD_RUN = 0x21,
	MMF_CMD_READ_RES = 0x22,
	MMF_CMD_READ_COUNTERS = 0x30,
	MMF_CMD_CLEAR_COUNTERS = 0x31,
	MMF_CMD_RESET = 0x3F,
	MMF_CMD_I2C = 0x40,             /* one I2C transfer (boards with the I2C master) */
};

enum mmf_status {
	MMF_ST_OK = 0,
	MMF_ST_BAD_LENGTH = 1,
	MMF_ST_BAD_ENGINE = 2,
	MMF_ST_BAD_ADDRESS = 3,
	MMF_ST_TOO_MANY = 4,
	MMF_ST_NOT_LOADED = 5,
};

enum mmf_nak_reason {
	MMF_NAK_CRC = 1,
	MMF_NAK_OUT_OF_ORDER = 2,
	MMF_NAK_TOO_LONG = 3,
	MMF_NAK_UNKNOWN_TYPE = 4,
};

/* Counter indices (READ_COUNTERS order). */
enum mmf_counter {
	MMF_CNT_CYCLES = 0,
	MMF_CNT_BUSY0 = 1, MMF_CNT_BUSY1 = 2, MMF_CNT_BUSY2 = 3,
	MMF_CNT_MACS_LO = 4, MMF_CNT_MACS_HI = 5,
	MMF_CNT_BYTES_IN = 6, MMF_CNT_BYTES_OUT = 7,
	MMF_CNT_CRC_ERRORS = 8, MMF_CNT_NAKS = 9,
	MMF_CNT_EXECUTED = 10, MMF_CNT_REPEATS = 11,
};

enum mmf_board_id { MMF_BOARD_SIM = 0, MMF_BOARD_ICEBREAKER = 1, MMF_BOARD_UPDUINO3 = 2, MMF_BOARD_HX8K_EVN = 3 };
enum mmf_link_id { MMF_LINK_UART = 0, MMF_LINK_SPI = 1, MMF_LINK_FIFO = 2 };

/* One engine slot as the board is built: which engine, its format and parameters (a row of the
 * engine table, mmf_eng_slot, or another build of that format's engine). */
typedef struct {
	uint8_t id;                 /* enum mmf_engine_id */
	uint8_t format;             /* enum mmf_format_id */
	uint8_t lanes;              /* LANES */
	uint8_t lg_act;             /* LG_ACT (the C models use their compile-time maximum) */
} mmf_engine_cfg_t;

/* What the board is: the INFO answer comes from here. */
typedef struct {
	uint8_t board_id;           /* enum mmf_board_id */
	uint8_t link;               /* enum mmf_link_id */
	uint8_t n_engines;          /* 1..MMF_MAX_ENGINES */
	uint32_t clock_hz;          /* core clock */
	uint32_t link_rate;         /* baud or SCK Hz */
	uint32_t wmem_words;        /* weight memory words, 1..MMF_WMEM_WORDS (the SoC's MEM_WORDS) */
	uint32_t git_rev;           /* first 8 hex digits of the RTL revision */
	mmf_engine_cfg_t engine[MMF_MAX_ENGINES]; /* engine slots, addressed by index in commands */
	uint8_t i2c;                /* the I2C master is built: the I2C command exists, INFO says so */
} mmf_dev_cfg_t;

/* Receiver states. */
enum mmf_rx_state { MMF_RX_HUNT0 = 0, MMF_RX_HUNT1, MMF_RX_HEADER, MMF_RX_BODY };

typedef struct {
	mmf_dev_cfg_t cfg;                          /* what the board is */
	/* receiver */
	uint8_t rx_state;                           /* enum mmf_rx_state */
	uint32_t rx_n;                              /* bytes of the packet so far (from type) */
	uint32_t rx_need;                           /* bytes the packet has (from type, incl. CRC) */
	uint32_t rx_idle;                           /* cycles since the last byte */
	uint8_t rx_buf[MMF_MAX_PACKET];             /* type, seq, len, hchk, payload, crc */
	/* sequence */
	uint8_t last_seq;                           /* last executed sequence number */
	uint8_t last_type;                          /* its command */
	uint8_t last_status;                        /* its status, repeated for a repeat */
	uint8_t synced;                             /* a SYNC has been seen */
	/* transmitter: one response packet at a time */
	uint8_t tx_buf[MMF_MAX_PACKET];
	uint32_t tx_len, tx_pos;
	/* the board */
	uint64_t wmem[MMF_WMEM_WORDS];              /* weight memory (cfg.wmem_words of it are the board's) */
	int32_t res[MMF_RES_ROWS];                  /* results of the last RUN */
	uint16_t res_rows;                          /* rows in res */
	int8_t act[MMF_MAX_ENGINES][TAC_ACT_WORDS * TAC_LANES_MAX]; /* activations being gathered */
	uint32_t act_n[MMF_MAX_ENGINES];            /* activations gathered (LOAD_ACT with more) */
	uint8_t loaded[MMF_MAX_ENGINES];            /* a complete vector is loaded */
	mmf_engines_t eng;                          /* engine models (one of each kind at most) */
	uint32_t cnt[MMF_N_COUNTERS];               /* performance counters */
	mmf_i2c_bus_t i2c;                          /* what the I2C master reaches (nothing after init:
						     * set it with mmf_i2c_bus_init) */
} mmf_dev_t;

/* The slot the engine table gives a format (its default build). */
void mmf_eng_slot(uint8_t format, mmf_engine_cfg_t *c);
/* 0, or -1 if cfg names an engine configuration the models cannot be or a weight memory size
 * outside 1..MMF_WMEM_WORDS. */
int mmf_dev_init(mmf_dev_t *d, const mmf_dev_cfg_t *cfg);
/* One byte arrives from the link. */
void mmf_dev_rx(mmf_dev_t *d, uint8_t byte);
/* Clock cycles pass with no byte (drops a partial packet after MMF_RX_TIMEOUT_CYCLES) and count. */
void mmf_dev_tick(mmf_dev_t *d, uint32_t cycles);
/* 1 and the next byte to send, or 0 when there is nothing to send. */
int mmf_dev_tx(mmf_dev_t *d, uint8_t *byte);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()): start with crc = 0, feed bytes. */
uint32_t mmf_crc32_byte(uint32_t crc, uint8_t byte);
/* The header check byte of docs/protocol.md. */
uint8_t mmf_hchk(uint8_t type, uint8_t seq, uint16_t len);

#ifdef __cplusplus
}
#endif

#endif
