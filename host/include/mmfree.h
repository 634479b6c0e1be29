/*
 * mmfree.h: the host library for mmfree boards, the one public header.
 *
 * A board is opened by URI ("cpu", "cpu?faults=1e-3&seed=1", "sim", "socket:PATH", "ftdi[:SERIAL]";
 * see docs/host.md) and spoken to with the link protocol of docs/protocol.md. Every function returns
 * MMF_OK (0) or a negative enum mmf_error; mmf_board_error() then says what failed, with which values.
 * Every wait on the board has a deadline, so no call hangs: a board that stops answering gives
 * MMF_ERR_TIMEOUT after a bounded number of tries.
 *
 * A board handle is not thread-safe: use one per thread, or lock around it.
 */
#ifndef MMFREE_H
#define MMFREE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Only these names leave the shared library (it is built with -fvisibility=hidden). */
#if defined(__GNUC__) && defined(MMF_BUILDING)
#define MMF_API __attribute__((visibility("default")))
#else
#define MMF_API
#endif

#define MMFREE_VERSION "0.1.0"

/* Errors: every function returns 0 or one of these. */
enum mmf_error {
	MMF_OK = 0,
	MMF_ERR_IO = -1,            /* the transport failed, or the link corrupted every try */
	MMF_ERR_TIMEOUT = -2,       /* the board stopped answering */
	MMF_ERR_PROTOCOL = -3,      /* the board answered something the protocol does not allow */
	MMF_ERR_DEVICE = -4,        /* the board answered a non-OK status (bad engine, address, ...) */
	MMF_ERR_ARG = -5,           /* a bad argument or URI */
	MMF_ERR_NO_BOARD = -6,      /* no board at that URI */
	MMF_ERR_VERSION = -7,       /* the board speaks another protocol version */
	MMF_ERR_NOMEM = -8,         /* out of memory */
	MMF_ERR_UNSUPPORTED = -9,   /* a board kind or command this build does not have */
};

/* "MMF_ERR_TIMEOUT" for MMF_ERR_TIMEOUT; "MMF_ERR_UNKNOWN" for what is not an mmf_error. */
MMF_API const char *mmf_error_name(int err);

typedef struct mmf_board mmf_board;

/* Open the board at uri: sends SYNC, then INFO, and refuses a board of another protocol version. */
MMF_API int mmf_open(const char *uri, mmf_board **out);
MMF_API void mmf_close(mmf_board *b);
/* The last detailed message, e.g. "READ_MEM seq 17: no answer after 8 tries (timeout 200 ms each)".
 * mmf_board_error(NULL) gives the message of the last mmf_open that failed (not thread-safe). */
MMF_API const char *mmf_board_error(const mmf_board *b);

enum {
	MMF_INFO_MAX_ENGINES = 8,   /* engines mmf_info holds; INFO with more is refused */
	MMF_NUM_COUNTERS = 12,      /* READ_COUNTERS fields */
	MMF_LINK_MAX_PAYLOAD = 1024, /* protocol v1 payload bound: no packet is longer */
};

/* One engine slot, addressed by its index in mmf_load_act() and mmf_run(). */
struct mmf_engine_info {
	uint8_t id;                 /* 0 tac, 1 sac, 2 lut */
	uint8_t format;             /* weight format: 0 tac2, 1 tac5, 2 sac4, 3 lut3 */
	uint8_t lanes;              /* weights per 64-bit word */
	uint8_t lg_act;             /* log2 of the activation buffer, in words */
	uint16_t max_cols;          /* largest K (activations) one product takes */
};

/* What the board is: the INFO answer. */
struct mmf_info {
	uint8_t version;            /* protocol version (1) */
	uint8_t board_id;           /* 0 sim, 1 icebreaker, 2 upduino3, 3 hx8k-evn */
	uint8_t link;               /* 0 uart, 1 spi, 2 fifo */
	uint8_t n_engines;          /* engine slots in engine[] */
	uint32_t clock_hz;          /* core clock */
	uint32_t link_rate;         /* baud (UART) or SCK Hz (SPI) */
	uint32_t wmem_words;        /* weight memory, 64-bit words */
	uint16_t max_payload;       /* largest packet payload the board takes */
	uint16_t res_rows;          /* result buffer: rows one RUN may produce */
	uint32_t git_rev;           /* RTL revision, the first 8 hex digits as a number */
	struct mmf_engine_info engine[MMF_INFO_MAX_ENGINES]; /* engine slots */
	uint8_t features;           /* MMF_FEATURE_* bits (0 when INFO has no features byte) */
};

enum {
	MMF_FEATURE_I2C = 0x01,     /* the SoC has the I2C master and the I2C command */
};

/* The INFO read at open (no link traffic). */
MMF_API int mmf_get_info(mmf_board *b, struct mmf_info *info);

/* What the host knows of a board beyond its INFO, from how it was opened (mmf_board_flags). */
enum {
	MMF_BOARD_SIMULATED = 0x01, /* a simulation, not hardware: cpu, sim, socket (mmfree-vboard), and
				     * ftdi on a USB bus that is a umockdev testbed (UMOCKDEV_DIR set:
				     * mmfree-vboard --usb's emulated chips); its sensors are models */
	MMF_BOARD_NO_LINE = 0x02,   /* the bytes skip the link INFO names (sim's fast mode: straight
				     * into the packet layer), so no line rate bounds them */
};
MMF_API unsigned mmf_board_flags(const mmf_board *b);
/* Names for the numbers in mmf_info: "tac", "tac5", "icebreaker", "uart"; "?" when unknown. */
MMF_API const char *mmf_engine_name(unsigned id);
MMF_API const char *mmf_format_name(unsigned format);
MMF_API const char *mmf_board_name(unsigned board_id);
MMF_API const char *mmf_link_name(unsigned link);

/* Called after every packet of a long transfer with the payload bytes done and in all. */
typedef void (*mmf_progress_fn)(void *user, uint64_t done, uint64_t total);
MMF_API void mmf_set_progress(mmf_board *b, mmf_progress_fn fn, void *user);

/* Weight memory, in 64-bit words from word address addr; split into packets of at most
 * MMF_LINK_MAX_PAYLOAD bytes (fewer while the link is noisy, see docs/host.md). */
MMF_API int mmf_write_mem(mmf_board *b, uint32_t addr, const uint64_t *w, uint32_t n);
MMF_API int mmf_read_mem(mmf_board *b, uint32_t addr, uint64_t *w, uint32_t n);

/* Load k int8 activations into an engine (several packets with "more follows" when long). */
MMF_API int mmf_load_act(mmf_board *b, unsigned engine, const int8_t *x, uint32_t k);
/* Stream `words` weight words from `base` through the engine; *rows = results produced. */
MMF_API int mmf_run(mmf_board *b, unsigned engine, uint32_t base, uint32_t words, uint16_t *rows);
/* Results first .. first+count-1 of the last RUN. */
MMF_API int mmf_read_res(mmf_board *b, uint32_t first, uint32_t count, int32_t *y);
/* load, run, read: y gets one int32 per row, ceil(words / ceil(k / lanes)) rows, which must fit the
 * board's result buffer (mmf_info.res_rows); *rows_out (may be NULL) = that number. */
MMF_API int mmf_matvec(mmf_board *b, unsigned engine, uint32_t base, uint32_t words,
		       const int8_t *x, uint32_t k, int32_t *y, uint16_t *rows_out);

/* Counter indices of mmf_read_counters(), in READ_COUNTERS order. */
enum mmf_counter_index {
	MMF_COUNTER_CYCLES = 0,     /* core clock cycles */
	MMF_COUNTER_BUSY0,          /* busy cycles of engine 0 */
	MMF_COUNTER_BUSY1,          /* ... of engine 1 */
	MMF_COUNTER_BUSY2,          /* ... of engine 2 */
	MMF_COUNTER_MACS_LO,        /* multiply-accumulates, low 32 bits */
	MMF_COUNTER_MACS_HI,        /* ... high 32 bits */
	MMF_COUNTER_BYTES_IN,       /* link bytes received by the board */
	MMF_COUNTER_BYTES_OUT,      /* link bytes sent by the board */
	MMF_COUNTER_CRC_ERRORS,     /* packets the board dropped */
	MMF_COUNTER_NAKS,           /* NAKs the board sent */
	MMF_COUNTER_EXECUTED,       /* commands executed */
	MMF_COUNTER_REPEATS,        /* repeated commands answered from the stored status */
};
/* "cycles", "busy0", ..., "repeats"; "?" for another index. */
MMF_API const char *mmf_counter_name(unsigned index);
MMF_API int mmf_read_counters(mmf_board *b, uint32_t c[MMF_NUM_COUNTERS]);
MMF_API int mmf_clear_counters(mmf_board *b);
/* Engines and counters reset; the weight memory is kept. */
MMF_API int mmf_reset(mmf_board *b);

/* One transfer on the board's I2C bus (boards with MMF_FEATURE_I2C): to the 7-bit address addr,
 * write nw bytes of w (at most 3), then read nr bytes into r (at most 4), as the I2C command of
 * docs/protocol.md makes it. MMF_ERR_UNSUPPORTED: the board has no I2C master (the message says so);
 * MMF_ERR_NO_BOARD: nothing acknowledged the address; MMF_ERR_DEVICE: a written byte was not
 * acknowledged. The transfer may be repeated by the link's retries: send only transfers for which
 * that is harmless (a register pointer and a read, a register write). */
MMF_API int mmf_i2c(mmf_board *b, unsigned addr, const uint8_t *w, unsigned nw, uint8_t *r,
		    unsigned nr);

/* What the link has done since open, seen from the host. */
struct mmf_link_stats {
	uint64_t packets_sent;      /* packets sent, retransmissions included */
	uint64_t retries;           /* retransmissions */
	uint64_t naks;              /* NAKs received */
	uint64_t timeouts;          /* tries that ended with no answer by their deadline */
	uint64_t bytes_out;         /* bytes handed to the link */
	uint64_t bytes_in;          /* bytes received from the link */
	uint64_t rx_dropped;        /* received packets dropped: bad header, bad CRC, cut short */
};
MMF_API int mmf_get_link_stats(const mmf_board *b, struct mmf_link_stats *s);

/* ---- MatMul-free LM (docs/model.md, docs/runtime.md) ---------------------------------------------
 *
 * A checkpoint folder in the Hugging Face layout is loaded, checked and quantised once: every
 * BitLinear weight becomes ternary codes with one absmean scale per tensor (or, for the shift-add
 * engine, power-of-two codes with one scale), packed in the chosen engine's weight format. The host
 * computes norms, activation quantisation, gates, the recurrence and residuals in float32; every
 * matrix-vector product (all projections and lm_head) runs on the engine: on a board, or with the
 * hls_c kernels on the host when no board is attached.
 */
typedef struct mmf_model mmf_model;

struct mmf_model_opts {
	unsigned engine;            /* the engine, named by its weight format (the engine table's id,
				     * as mmf_info.engine[].format): 0 tac2 (32 lanes, the
				     * iCE40HX8K-B-EVN's), 1 tac5 (40 lanes), 2 sac4, 3 lut3;
				     * mmf_model_engine_name/_rank list them. Not "0 for default":
				     * set it (mmf_model_engine_default picks for a board) */
	mmf_progress_fn progress;   /* load and quantise progress (tensor elements), or NULL */
	void *progress_user;        /* its argument */
};

/* What a loaded model is. */
struct mmf_model_desc {
	int hidden;                 /* d */
	int layers;                 /* L */
	int vocab;                  /* V */
	int intermediate;           /* I */
	uint64_t params;            /* parameters in the checkpoint */
	uint64_t matvec_weights;    /* weights the engine multiplies per token (all BitLinears) */
	uint64_t packed_words;      /* 64-bit words of packed weights */
	double quant_error;         /* sqrt(sum (W - Wq)^2 / sum W^2) over all BitLinear weights */
	const char *tokenizer;      /* "tokenizer.json" or "bytes" */
	unsigned engine;            /* the engine the weights are packed for */
	unsigned format;            /* its weight format (enum in mmf_info.engine[].format) */
	int bos, eos;               /* special token ids */
};

/* Counters of the run since the last mmf_model_reset_stats(). */
struct mmf_model_stats {
	uint64_t tokens;            /* forward steps */
	uint64_t matvecs;           /* matrix-vector products (per tile of K) */
	uint64_t macs;              /* weights x activations multiplied (padding excluded) */
	uint64_t upload_words;      /* weight words written to the board (placement and streaming) */
	double host_s;              /* wall time in host arithmetic (norms, gates, quantisation) */
	double engine_s;            /* wall time in matrix-vector products (board or host kernels) */
	int resident;               /* 1: weights stay on the board; 0: streamed every token */
	int on_board;               /* 1: attached to a board; 0: host kernels */
};

/* The engine choices (mmf_model_opts.engine, a weight format) by name: "tac2", "tac" (tac5), "sac",
 * "lut"; NULL for a number that is none. */
MMF_API const char *mmf_model_engine_name(unsigned engine);
/* The engine choices in the order the default takes them (rank 0 first: tac, tac2, lut, sac, the
 * engine table's order); -1 past the last. */
MMF_API int mmf_model_engine_rank(unsigned rank);
/* The slot of board INFO `in` a model packed for engine runs on (>= 0), MMF_ERR_UNSUPPORTED when the
 * board has none, MMF_ERR_ARG for an engine that is no choice. in NULL (the host kernels): 0 for
 * every engine. */
MMF_API int mmf_model_engine_slot(const struct mmf_info *in, unsigned engine);
/* The default engine for a board (in NULL: the host kernels): the first by rank that it has. 0, or
 * MMF_ERR_UNSUPPORTED when it has none of them. */
MMF_API int mmf_model_engine_default(const struct mmf_info *in, unsigned *engine);
/* Load dir (config.json, safetensors, tokenizer): 0 or a negative mmf_error; mmf_model_error(NULL)
 * says why ("model.safetensors: tensor model.layers.0.attn.i_proj.weight: shape [64, 48], expected
 * [64, 64] from config.json"). */
MMF_API int mmf_model_load(const char *dir, const struct mmf_model_opts *o, mmf_model **out);
MMF_API void mmf_model_free(mmf_model *m);
MMF_API const char *mmf_model_error(const mmf_model *m);
MMF_API int mmf_model_describe(const mmf_model *m, struct mmf_model_desc *d);
/* Run on board b (NULL: the hls_c kernels on the host). The board must have an engine slot with the
 * model's engine, format and lanes. Weights are placed once: resident when they fit in the weight
 * memory (uploaded and read back to verify), else streamed through it for every token. */
MMF_API int mmf_model_attach(mmf_model *m, mmf_board *b);
/* Zero the recurrent state: the next step is the first token of a new sequence. */
MMF_API int mmf_model_reset(mmf_model *m);
/* One token through the model: logits[vocab] for the next one (logits may be NULL for a prompt
 * token whose logits are not wanted: the lm_head product is then skipped). */
MMF_API int mmf_model_step(mmf_model *m, int32_t token, float *logits);
MMF_API int mmf_model_stats(const mmf_model *m, struct mmf_model_stats *s);
MMF_API void mmf_model_reset_stats(mmf_model *m);
/* Tokenizer: encode text (bos first when add_bos) into at most max ids; *n = ids needed. */
MMF_API int mmf_model_encode(const mmf_model *m, const char *text, int add_bos, int32_t *ids, int max,
			     int *n);
/* The text bytes of token id after token prev (-1: at the start), NUL-terminated in buf (cut short
 * to len - 1 bytes); returns the bytes in buf. */
MMF_API int mmf_model_decode(const mmf_model *m, int32_t prev, int32_t id, char *buf, size_t len);

/* ---- energy estimate (host/src/energy.c, docs/power.md) ----------------------------------------
 *
 * An ESTIMATE of the energy the board's FPGA used, from its counters (cycles, busy cycles, MACs,
 * link bytes) and per-event coefficients calibrated from published UP5K current measurements
 * (boards/energy.json, built into the library). It is not a measurement: no meter is read. It covers
 * the FPGA's rails (core, PLL, the link pins' I/O bank), not the rest of the board.
 *
 * Counter wrap: the board's counters are u32 (MACs are one u64 in two halves). Cycles wrap after
 * 2^32 / clock_hz seconds (89 s at 48 MHz), busy cycles no sooner. mmf_energy_estimate() on one
 * snapshot is right only for a run shorter than that since CLEAR_COUNTERS; for longer runs, read the
 * counters at least once per wrap period (e.g. once per token) and add the differences with
 * mmf_counters_accumulate(), whose 64-bit totals do not wrap. Do not clear or reset the counters
 * between two snapshots you accumulate. */

/* Counter differences added up in 64 bits (names as in enum mmf_counter_index). */
struct mmf_counter_totals {
	uint64_t cycles;            /* core clock cycles */
	uint64_t busy[3];           /* busy cycles of engine slots 0..2 (weight words streamed) */
	uint64_t macs;              /* multiply-accumulates */
	uint64_t bytes_in;          /* link bytes received by the board */
	uint64_t bytes_out;         /* link bytes sent by the board */
	uint64_t crc_errors;        /* packets the board dropped */
	uint64_t naks;              /* NAKs the board sent */
	uint64_t executed;          /* commands executed */
	uint64_t repeats;           /* repeats answered from the stored status */
};
/* totals += now - prev, each u32 difference taken modulo 2^32 (so one wrap between the two reads is
 * harmless) and the MACs as one u64. prev may be NULL: now counts from a clear (all zero). */
MMF_API void mmf_counters_accumulate(struct mmf_counter_totals *totals,
				     const uint32_t prev[MMF_NUM_COUNTERS], const uint32_t now[MMF_NUM_COUNTERS]);

/* The estimate of one run, in joules, broken down by event class. */
struct mmf_energy {
	double static_j;            /* leakage of the FPGA's rails over the run's time */
	double clock_j;             /* clock tree (per cycle) and the PLL (per second) */
	double logic_j;             /* logic cells in use, clocked every cycle, busy or not */
	double mac_j;               /* the engines' lane logic and adder trees, per MAC */
	double spram_j;             /* weight words read from SPRAM (4 reads each) and streamed */
	double ebr_j;               /* block RAM reads per weight word (activations, ROMs, lut tables) */
	double link_j;              /* link bytes: UART and packet logic, the TX pin's I/O bank */
	double total_j;             /* the sum of the above */
	double seconds;             /* cycles / clock_hz */
	double avg_w;               /* total_j / seconds */
	double j_per_mac;           /* total_j / macs (0 without MACs) */
	uint64_t macs;              /* MACs counted */
	uint32_t cells;             /* logic cells charged by logic_j */
	const char *family;         /* coefficient section used, e.g. "ice40up" (valid until the next
				     * mmf_energy_load) */
	const char *board;          /* board entry used, e.g. "icebreaker" (same lifetime) */
	int estimate;               /* always 1: a model, not a measurement; say so wherever it is shown */
	int over_capacity;          /* 1 if cells exceed the family's part (e.g. three engines on a UP5K):
				     * the figure is that of a larger part with the same per-cell costs */
};

/* What to estimate for, beyond INFO; zero fields take the defaults. */
struct mmf_energy_params {
	const char *family;         /* coefficient section; default: the board's entry in the data */
	uint32_t cells;             /* logic cells in use (e.g. from the bitstream report); default: the
				     * SoC base plus the cells of each engine INFO lists */
	int no_pll;                 /* 1: the board's clock does not come from the PLL */
};

/* Estimate from a counter snapshot counted since CLEAR_COUNTERS (see the wrap note above) and the
 * board's INFO. MMF_ERR_ARG for a NULL argument, a clock of 0 Hz, or a board or family the data
 * does not have; the message is in mmf_energy_error(). */
MMF_API int mmf_energy_estimate(const struct mmf_info *info, const uint32_t c[MMF_NUM_COUNTERS],
				struct mmf_energy *e);
/* The same from 64-bit totals, with parameters (p may be NULL). */
MMF_API int mmf_energy_estimate_totals(const struct mmf_info *info, const struct mmf_counter_totals *t,
				       const struct mmf_energy_params *p, struct mmf_energy *e);
/* Joules per token for a run that produced `tokens` tokens (0 if tokens is 0). */
MMF_API double mmf_energy_per_token(const struct mmf_energy *e, uint64_t tokens);

/* Use the coefficients in the JSON file at path (same layout as boards/energy.json) instead of the
 * built-in ones; NULL goes back to the built-in data. A file that is not valid JSON, or lacks a
 * field, or has a coefficient without a value, unit, kind (measured / derived / guessed), source or
 * derivation, is refused with MMF_ERR_ARG (MMF_ERR_IO if it cannot be read) and the data in use is
 * kept; mmf_energy_error() names the file, the field and what is wrong. Not thread-safe: load
 * before estimating from several threads. */
MMF_API int mmf_energy_load(const char *path);
/* The message of the last energy call that failed. */
MMF_API const char *mmf_energy_error(void);

/* One coefficient of the data in use, for listing (strings live until the next mmf_energy_load). */
struct mmf_energy_coef {
	const char *family;         /* "ice40up" */
	const char *name;           /* "mac_j_lut3" */
	double value;               /* in unit */
	const char *unit;           /* "J", "W", "V", "cells", "reads" */
	const char *kind;           /* "measured", "derived" or "guessed" */
	const char *source;         /* where the figure comes from */
	const char *derivation;     /* how the value follows from it */
};
/* The index-th coefficient over all families, in file order; MMF_ERR_ARG past the last. */
MMF_API int mmf_energy_coefficient(unsigned index, struct mmf_energy_coef *out);
/* Logic cells used, from a bitstream's build/<board>/mmfree.json or a nextpnr --report file. */
MMF_API int mmf_energy_cells_from_report(const char *path, uint32_t *cells);

/* ---- power meters (host/src/meter*.c, docs/power.md) ---------------------------------------------
 *
 * A MEASUREMENT, where the section above is an estimate: a meter named by URI is read for watts (and
 * volts and amperes when it gives them), each reading stamped with CLOCK_MONOTONIC time, the clock
 * of clock_gettime(CLOCK_MONOTONIC) and so of anything else in the program that stamps work.
 *
 *   sigrok:DRIVER[:OPT=VAL...][?...]  any meter sigrok-cli drives (run as a child process, no shell);
 *                                     options: channels=A,B (its --channels), group=G and config=K=V:..
 *                                     (--channel-group, --config), samples=N (each read runs sigrok-cli
 *                                     for N samples and averages them; default: one sigrok-cli kept
 *                                     running with --continuous), time_ms=N (run with --time N instead
 *                                     of --continuous), timeout_ms=N (wait for a reading, default 3000)
 *   hwmon:PATH[?ch=N]                 a Linux hwmon device: powerN_input (uW), else inN_input (mV) x
 *                                     currN_input (mA); PATH is its directory, a device directory with
 *                                     a hwmon/ folder, or a name under /sys/class/hwmon ("ina226")
 *   ina2xx:PATH[?shunt_uohm=R]        an INA219/INA226 (and kin) under the Linux ina2xx driver: hwmon
 *                                     channel 1 (bus voltage, current, power); shunt_uohm gives the
 *                                     real shunt when the driver's shunt_resistor is wrong
 *   um:TTY[?baud=B&timeout_ms=N]      RDTech UM24C / UM25C / UM34C: send 0xF0, read the 130-byte reply
 *   rapl[:PATH]                       Linux powercap RAPL energy counter (default
 *                                     /sys/class/powercap/intel-rapl:0): the average power between two
 *                                     reads; readable by root only since Linux 5.10
 *   board                             the board's own INA226 read by the FPGA: not built (the SoC has
 *                                     no I2C master yet); opening it gives MMF_ERR_UNSUPPORTED
 *
 * The environment variable MMF_SYSFS_ROOT, when set, is put in front of the /sys paths the library
 * chooses itself (the default RAPL zone and hwmon names), for tests on a fake tree; MMF_SIGROK_CLI
 * names another program to run instead of sigrok-cli.
 *
 * Errors use enum mmf_error: MMF_ERR_ARG a bad URI, MMF_ERR_NO_BOARD no meter there (the name is the
 * board's: here it means no meter), MMF_ERR_IO a meter that cannot be read (permissions included),
 * MMF_ERR_TIMEOUT a silent meter, MMF_ERR_PROTOCOL a reply that is not what the meter should send,
 * MMF_ERR_UNSUPPORTED a kind not built. mmf_meter_error() says what failed and with which values.
 * A meter handle is not thread-safe: read it from one thread (the recorder below does).
 */
typedef struct mmf_meter mmf_meter;

/* One reading. */
struct mmf_meter_sample {
	double t;                   /* CLOCK_MONOTONIC seconds when the reading was taken */
	double window_s;            /* the value is the average over (t - window_s, t]; 0: one
				     * instantaneous reading (a meter's own averaging aside) */
	double w;                   /* watts */
	double v;                   /* volts, or NAN when the meter does not give them */
	double a;                   /* amperes, or NAN */
};

/* Open the meter at uri and check that it answers (the first reading is taken and dropped, or, for
 * RAPL, the counter is read as the start of the first window). */
MMF_API int mmf_meter_open(const char *uri, mmf_meter **out);
/* The same, with the board a `board` meter is read through (the FPGA reads its INA226 over I2C;
 * other kinds ignore b). A board meter is polled: see mmf_meter_polled. */
MMF_API int mmf_meter_open_board(const char *uri, mmf_board *b, mmf_meter **out);
/* 1 if the meter shares a board handle with its user (`board`): read it only from the thread that
 * uses that board, between its commands. A recorder of such a meter starts no thread: its owner calls
 * mmf_meter_rec_poll() between commands (mmfree run: after every token). */
MMF_API int mmf_meter_polled(const mmf_meter *m);
/* A reading newer than the previous one: waits for the meter when it has none yet (up to its
 * timeout), never returns the same reading twice. */
MMF_API int mmf_meter_read(mmf_meter *m, struct mmf_meter_sample *s);
MMF_API void mmf_meter_close(mmf_meter *m);
/* The last message; mmf_meter_error(NULL) gives the one of the last mmf_meter_open that failed (not
 * thread-safe). */
MMF_API const char *mmf_meter_error(const mmf_meter *m);
/* What the meter is: "UM25C on /dev/ttyUSB0", "hwmon ina226 at /sys/class/hwmon/hwmon3, power1_input". */
MMF_API const char *mmf_meter_describe(const mmf_meter *m);
/* Where its readings come from: "measured" (a sensor), or "simulated" (a sensor MODEL: the INA226
 * model of a simulated board, read through it (mmf_board_flags' MMF_BOARD_SIMULATED), or sigrok's
 * demo driver). Never NULL. */
MMF_API const char *mmf_meter_source(const mmf_meter *m);
/* CLOCK_MONOTONIC now, seconds: the clock of mmf_meter_sample.t. */
MMF_API double mmf_meter_now(void);

/* Joules between t0 and t1 from samples sorted by time: instantaneous readings are joined by straight
 * lines, averaged ones hold their value over their window; before the first and after the last the
 * nearest value is held. MMF_ERR_ARG without samples or with t1 < t0. */
MMF_API int mmf_meter_energy(const struct mmf_meter_sample *s, size_t n, double t0, double t1,
			     double *joules);

/* A recorder: a thread that reads the meter every interval_ms and keeps every reading. The meter
 * belongs to the recorder until mmf_meter_rec_stop(); a failed read is counted (the first message
 * kept) and the recording goes on. */
typedef struct mmf_meter_rec mmf_meter_rec;
MMF_API int mmf_meter_rec_start(mmf_meter *m, unsigned interval_ms, mmf_meter_rec **out);
/* Stop and join the thread (after the read under way, if any). Returns 0, or the first read error. */
MMF_API int mmf_meter_rec_stop(mmf_meter_rec *r);
/* A polled recorder (mmf_meter_polled): take one reading now, in the caller's thread; a failed read
 * is counted as the thread's are. Nothing for a recorder with a thread. */
MMF_API int mmf_meter_rec_poll(mmf_meter_rec *r);
/* The readings (valid until mmf_meter_rec_free; call after stop), failed reads, the first failure's
 * message ("" if none). */
MMF_API size_t mmf_meter_rec_samples(const mmf_meter_rec *r, const struct mmf_meter_sample **s);
MMF_API unsigned mmf_meter_rec_failures(const mmf_meter_rec *r);
MMF_API const char *mmf_meter_rec_error(const mmf_meter_rec *r);
MMF_API void mmf_meter_rec_free(mmf_meter_rec *r);

#ifdef __cplusplus
}
#endif

#endif
