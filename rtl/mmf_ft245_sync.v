`default_nettype none
// mmf_ft245_sync: the link's FIFO PHY, the FPGA side of an FT2232H channel in 245 synchronous FIFO
// mode, carrying the core's bytes both ways (INFO link 2). Everything on the bus is in the chip's
// 60 MHz CLKOUT (i_ft_clk): the chip changes its outputs after a rising edge, and both sides take
// what the other drives at the next rising edge.
//   - Registered at the pads: RXF#, TXE# and D go straight into flip-flops (a board top may put
//     them in the I/O cells), and nothing in the FPGA looks at the pins themselves. So every
//     decision about the bus is taken on what the chip said at an earlier edge (the byte moves a
//     cycle later, the arbiter two): the pads' own delay is the whole of the pin-to-register path,
//     and the PHY meets 60 MHz on the UP5K.
//   - Reading: RXF# low says the chip has a byte. The FPGA drives OE# low for one cycle (the chip
//     then drives D), then RD# low as well; a byte crosses at every rising edge where RXF# and RD#
//     are both low, and the registered RXF# says which edges those were. RXF# may rise at any edge
//     (the chip's buffer ran dry): no byte crosses at that edge. RD# stays low through such a stall
//     (the FPGA sees RXF# a cycle late: the chip ignores RD# while RXF# is high). One byte per cycle.
//   - Writing: TXE# low says the chip has room. The FPGA drives D and WR# low; the chip takes the
//     byte at a rising edge where TXE# and WR# are both low. WR# is low at every other edge at
//     most: the registered TXE# tells, in the cycle after a strobe, whether the byte was taken, and
//     only then is the next byte put on D (a byte not taken stays on D and is strobed again). A
//     strobe at every edge would have to know TXE# before the edge it is sampled at. One byte per
//     two cycles (30 MB/s at 60 MHz, more than the chip's USB side moves).
//   - The bus is half duplex. An arbiter gives it to one direction at a time: to reading while the
//     chip has bytes and the receive FIFO has room, to writing while the chip has room and there is a
//     byte to send. A direction keeps the bus while it can move bytes, for at most 2^LG_BURST cycles
//     when the other one is waiting, and gives it up at once when it is stalled and the other is
//     not; when both wait they take turns. Between the two there is a turnaround cycle with OE# high
//     and D released (IDLE) before the FPGA drives D, and a cycle of OE# alone before RD#.
//   - Receive FIFO room: the FPGA raises RD# when the FIFO holds more than its size less 8 by a fill
//     level that is a few cycles old (at most 6 bytes can still arrive after it was measured):
//     nothing that crosses is ever dropped.
//   - SIWU# (send immediate): strobed low for one cycle once the chip has taken bytes and the
//     transmit side has then had nothing to send for SIWU_WAIT cycles (the end of an answer), so the
//     chip sends its short packet at once instead of waiting for its latency timer. Never while WR#
//     is low, never twice without a byte taken between. SIWU_WAIT 0 holds it high.
//
// Clock crossing: two mmf_async_fifo, receive (FIFO clock -> core) and transmit (core -> FIFO
// clock). The core side has mmf_spi_slave's ports: o_rx_valid is a one-cycle pulse per byte (at most
// one per RX_SPACING core cycles: the core must take every byte), o_tx_ready takes the core's bytes
// into the transmit FIFO. The bus side registers each byte read twice (o_rx_valid comes about 4 core
// cycles plus 4 FIFO clock cycles after the edge it crossed at).
//
// Pins: o_data and o_data_oe are the data bus split for the board top's SB_IO tri-state (the FPGA
// drives D exactly while o_data_oe is high); OE#, RD#, WR#, SIWU# and o_data_oe are registers
// (inverted after them: all are inactive at power-up, before any reset).
//
// Parameters:
//   LG_RX       log2 of the receive FIFO (9: one block RAM), >= 4
//   LG_TX       log2 of the transmit FIFO (9: one block RAM), >= 2
//   LG_BURST    log2 of the cycles a direction may keep the bus while the other waits, >= 2
//   RX_SPACING  fewest core cycles from one o_rx_valid pulse to the next (1: every cycle; the SoC's
//               packet receiver needs 8, mmf_pkt_rx)
//   SIWU_WAIT   bus cycles with nothing to send, after a byte was taken, before the SIWU# strobe
//               (0: never strobe), 1..255
//
// Reset: i_reset is in the core clock. It reaches the FIFO clock's side through a request and
// acknowledge pair of two-flop synchronisers: the core side stays in reset until the FIFO clock's
// side has been in reset and left it, so both sides of each FIFO restart empty together. Reset
// state: the bus released (OE#, RD#, WR#, SIWU# high, D not driven), the FIFOs empty, no byte pulse.
// The data registers and the FIFO memories are not reset. The handshake's registers start (with the
// bitstream's initial values) as if a reset had been asked for: both sides are held in reset from
// configuration until it has run once, so no byte is read from the chip before the core's clock
// runs and its reset has passed.
module mmf_ft245_sync #(
	parameter LG_RX = 9,
	parameter LG_TX = 9,
	parameter LG_BURST = 7,
	parameter RX_SPACING = 1,
	parameter SIWU_WAIT = 16
) (
	input  wire       i_clk,
	input  wire       i_reset,
	// the FT245 bus, in the chip's clock
	input  wire       i_ft_clk,
	input  wire       i_rxf_n,
	input  wire       i_txe_n,
	input  wire [7:0] i_data,
	output wire       o_oe_n,
	output wire       o_rd_n,
	output wire       o_wr_n,
	output wire [7:0] o_data,
	output reg        o_data_oe,
	output wire       o_siwu_n,
	// link bytes to the core
	output reg        o_rx_valid,
	output reg  [7:0] o_rx_data,
	// link bytes from the core
	input  wire       i_tx_valid,
	output wire       o_tx_ready,
	input  wire [7:0] i_tx_data
);
	localparam [1:0] S_IDLE  = 2'd0,  // bus released: OE#, RD#, WR# high, D not driven
			 S_OE    = 2'd1,  // OE# low: the chip drives D
			 S_READ  = 2'd2,  // OE# low, RD# low while the receive FIFO has room
			 S_WRITE = 2'd3;  // D driven, WR# low while a byte is held
	// the fill level up to which RD# may be low: o_wr_fill lags the pushes by a cycle, r_room by
	// another, RD# by a third, and a byte read crosses the pad and input registers: six bytes may
	// still come after the pushes o_wr_fill counts (two more for margin)
	localparam [LG_RX:0] RX_ROOM = (1 << LG_RX) - 8;
	localparam GW = (RX_SPACING > 1) ? $clog2(RX_SPACING) : 1;
	localparam [31:0] GAP32 = RX_SPACING - 1;
	localparam [GW-1:0] GAP = GAP32[GW-1:0];

	reg        r_oe, r_rd, r_wr;   // OE#, RD#, WR# low until the next edge
	reg        r_siwu;             // SIWU# low until the next edge
	assign o_oe_n = !r_oe;
	assign o_rd_n = !r_rd;
	assign o_wr_n = !r_wr;
	assign o_siwu_n = !r_siwu;

	// ---- the pads: what the chip drove, and what the FPGA drove, at the last edge ----
	reg        r_rxf_n_q;          // RXF#
	reg        r_txe_n_q;          // TXE#
	reg  [7:0] r_data_q;           // D
	reg        r_rd_q;             // RD# low
	reg        r_wr_q;             // WR# low

	// drives: the pad registers (no reset: only read behind the bus side's reset, below)
	always @(posedge i_ft_clk) begin
		r_rxf_n_q <= i_rxf_n;
		r_txe_n_q <= i_txe_n;
		r_data_q <= i_data;
		r_rd_q <= r_rd;
		r_wr_q <= r_wr;
	end

	// ---- resets ----
	reg        r_req = 1'b1;        // core: a reset asks the FIFO clock's side to reset
	reg  [1:0] r_ack;               // core: that side's reset, two flip-flops into the core clock
	reg  [1:0] r_ft_sync = 2'b11;   // FIFO clock: r_req, two flip-flops
	wire       w_ft_reset = r_ft_sync[1];
	reg        r_core_reset = 1'b1; // core: the core side of the FIFOs in reset (registered:
					// i_reset comes from a pad or a counter and reaches the
					// transmit handshake)
	wire       w_core_reset = r_core_reset;

	// drives: the reset request (held until acknowledged), the acknowledge's synchroniser and the
	// core side's reset, which lasts until the FIFO clock's side has left its own
	always @(posedge i_clk) begin
		r_core_reset <= i_reset || r_req || r_ack[1];
		r_ack <= {r_ack[0], w_ft_reset};
		if (i_reset)
			r_req <= 1'b1;
		else if (r_ack[1])
			r_req <= 1'b0;
	end

	// drives: the FIFO clock's reset, synchronised
	always @(posedge i_ft_clk)
		r_ft_sync <= {r_ft_sync[0], r_req};

	// ---- receive: bus -> FIFO -> core ----
	reg              r_in_valid;   // a byte crossed at the edge before the last
	reg  [7:0]       r_in_data;
	reg              r_room;       // the receive FIFO can take the bytes still to come (RX_ROOM)
	wire [LG_RX:0]   w_rx_fill;
	wire             w_rx_wready;  // never low when r_in_valid is high (see RX_ROOM)
	wire             w_rxf_valid;
	wire [7:0]       w_rxf_data;
	reg  [GW-1:0]    r_gap;        // core cycles to wait before the next byte pulse
	wire             w_rx_take = w_rxf_valid && (r_gap == 0);

	// drives: the input register (a byte crossed where RXF# and RD# were both low)
	always @(posedge i_ft_clk) begin
		r_in_valid <= !w_ft_reset && !r_rxf_n_q && r_rd_q;
		r_in_data <= r_data_q;
	end

	// drives: the room flag
	always @(posedge i_ft_clk)
		r_room <= !w_ft_reset && (w_rx_fill <= RX_ROOM);

	mmf_async_fifo #(.LG_DEPTH(LG_RX), .W(8)) u_rx_fifo (
		.i_wclk(i_ft_clk), .i_wreset(w_ft_reset),
		.i_wr_valid(r_in_valid), .o_wr_ready(w_rx_wready), .i_wr_data(r_in_data), .o_wr_fill(w_rx_fill),
		.i_rclk(i_clk), .i_rreset(w_core_reset),
		.o_rd_valid(w_rxf_valid), .i_rd_ready(w_rx_take), .o_rd_data(w_rxf_data));

	// drives: the spacing counter
	always @(posedge i_clk)
		if (w_core_reset)
			r_gap <= 0;
		else if (w_rx_take)
			r_gap <= GAP;
		else if (r_gap != 0)
			r_gap <= r_gap - 1'b1;

	// drives: the byte pulse to the core
	always @(posedge i_clk)
		if (w_core_reset)
			o_rx_valid <= 1'b0;
		else
			o_rx_valid <= w_rx_take;

	// drives: the byte itself
	always @(posedge i_clk)
		if (w_rx_take)
			o_rx_data <= w_rxf_data;

	// ---- transmit: core -> FIFO -> staging register -> holding register -> bus ----
	// The staging register takes the FIFO's next byte while it is empty, so the FIFO's read side
	// never waits on what the chip did at the last edge; the holding register's byte is on D.
	wire             w_txf_valid;
	wire [7:0]       w_txf_data;
	wire             w_tx_wready;
	wire [LG_TX:0]   w_tx_fill;    // not used: o_tx_ready is enough on this side
	reg              r_pre_full;   // the staging register has a byte
	reg  [7:0]       r_pre_byte;
	reg              r_tx_full;    // the holding register has a byte for the bus
	reg  [7:0]       r_tx_byte;    // the byte on D while o_data_oe is high
	wire             w_taken = r_wr_q && !r_txe_n_q;         // the chip took D at the last edge
	wire             w_hold_free = !r_tx_full || w_taken;
	wire             w_tx_full_nx = w_hold_free ? r_pre_full : 1'b1;

	assign o_tx_ready = w_tx_wready && !w_core_reset;
	assign o_data = r_tx_byte;

	mmf_async_fifo #(.LG_DEPTH(LG_TX), .W(8)) u_tx_fifo (
		.i_wclk(i_clk), .i_wreset(w_core_reset),
		.i_wr_valid(i_tx_valid && !w_core_reset), .o_wr_ready(w_tx_wready), .i_wr_data(i_tx_data),
		.o_wr_fill(w_tx_fill),
		.i_rclk(i_ft_clk), .i_rreset(w_ft_reset),
		.o_rd_valid(w_txf_valid), .i_rd_ready(!r_pre_full), .o_rd_data(w_txf_data));

	// drives: the staging register's flag: filled from the FIFO while empty, emptied into the
	// holding register
	always @(posedge i_ft_clk)
		if (w_ft_reset)
			r_pre_full <= 1'b0;
		else if (!r_pre_full)
			r_pre_full <= w_txf_valid;
		else if (w_hold_free)
			r_pre_full <= 1'b0;

	// drives: the staging register
	always @(posedge i_ft_clk)
		if (!r_pre_full && w_txf_valid)
			r_pre_byte <= w_txf_data;

	// drives: the holding register's flag
	always @(posedge i_ft_clk)
		if (w_ft_reset)
			r_tx_full <= 1'b0;
		else
			r_tx_full <= w_tx_full_nx;

	// drives: the holding register
	always @(posedge i_ft_clk)
		if (w_hold_free && r_pre_full)
			r_tx_byte <= r_pre_byte;

	// ---- the arbiter ----
	// Its inputs are all registers: whether each direction could move a byte is itself registered
	// from the pads' registers, so the arbiter answers the chip's flags two cycles late (which
	// costs a cycle of RD# low after RXF# rose, or a cycle in WRITE after TXE# rose: neither moves a
	// byte). The next state is written as the three conditions of entering OE, READ and WRITE, each
	// six inputs wide: two LUT levels from the registers to the bus controls.
	reg  [1:0]          r_state;
	reg  [LG_BURST-1:0] r_burst;   // cycles in this state (saturating)
	reg                 r_tx_turn; // both directions waiting: writing goes first
	reg                 r_burst_end;   // r_burst has reached its end
	reg                 r_rx_go;   // reading could move a byte: RXF# low, the receive FIFO has room
	reg                 r_tx_go;   // writing could move a byte: TXE# low, a byte in the holding
				       // register (the transmit FIFO's bytes come through it)

	// drives: the two directions' readiness
	always @(posedge i_ft_clk) begin
		r_rx_go <= !r_rxf_n_q && r_room;
		r_tx_go <= !r_txe_n_q && w_tx_full_nx;
	end
	// IDLE: reading first unless writing can go too and it is writing's turn
	wire                w_idle_read = r_rx_go && !(r_tx_go && r_tx_turn);
	wire                w_idle_write = r_tx_go && !w_idle_read;
	// READ and WRITE keep the bus unless the other direction can go and this one is stalled or
	// has had its burst
	wire                w_stay_read = !r_tx_go || (r_rx_go && !r_burst_end);
	wire                w_stay_write = !r_rx_go || (r_tx_go && !r_burst_end);
	wire                w_to_oe = (r_state == S_IDLE) && w_idle_read;
	wire                w_to_read = (r_state == S_OE) || (r_state == S_READ && w_stay_read);
	wire                w_to_write = (r_state == S_IDLE && w_idle_write) ||
				     (r_state == S_WRITE && w_stay_write);
	wire [1:0]          w_next = w_to_oe ? S_OE : w_to_read ? S_READ : w_to_write ? S_WRITE : S_IDLE;

	// drives: the burst counter: cycles in READ or WRITE (each is entered from IDLE or OE, where it
	// restarts), saturating
	always @(posedge i_ft_clk)
		if (w_ft_reset || !(r_state == S_READ || r_state == S_WRITE)) begin
			r_burst <= 0;
			r_burst_end <= 1'b0;
		end else if (!r_burst_end) begin
			r_burst <= r_burst + 1'b1;
			r_burst_end <= (r_burst == {{(LG_BURST - 1){1'b1}}, 1'b0});
		end

	// drives: the state, whose turn it is
	always @(posedge i_ft_clk)
		if (w_ft_reset) begin
			r_state <= S_IDLE;
			r_tx_turn <= 1'b0;
		end else begin
			r_state <= w_next;
			// only read in IDLE, which READ and WRITE leave to: the direction that had the
			// bus last goes second
			if (r_state == S_READ)
				r_tx_turn <= 1'b1;
			else if (r_state == S_WRITE)
				r_tx_turn <= 1'b0;
		end

	// drives: the bus controls (registers: each holds for the whole cycle after the edge). They are
	// kept active high, so that the iCE40's flip-flops, zero after configuration, leave the bus
	// released until the reset has reached this side. WR# goes low for one edge, and again only
	// after an edge with WR# high, whose registered TXE# says whether the last strobe's byte went.
	always @(posedge i_ft_clk)
		if (w_ft_reset) begin
			r_oe <= 1'b0;
			r_rd <= 1'b0;
			r_wr <= 1'b0;
			o_data_oe <= 1'b0;
		end else begin
			r_oe <= w_to_oe || w_to_read;
			r_rd <= w_to_read && r_room;
			r_wr <= w_to_write && w_tx_full_nx && !r_wr;
			o_data_oe <= w_to_write;
		end

	// ---- SIWU#: the end of an answer ----
	localparam SW = 8;             // the quiet counter's width (SIWU_WAIT up to 255)
	reg          r_tx_busy;        // in the cycle before: a byte on its way to the bus, or taken
	reg          r_sent;           // the chip has taken a byte since the last strobe
	reg [SW-1:0] r_quiet;          // cycles since then with nothing to send
	localparam [SW-1:0] QUIET_END = (SIWU_WAIT > 0) ? SIWU_WAIT[SW-1:0] - 1'b1 : {SW{1'b0}};

	// drives: the strobe, and what it waits for (a cycle behind the transmit side: the strobe
	// comes a cycle later, and this logic stays off the bus controls' paths)
	always @(posedge i_ft_clk)
		if (w_ft_reset || SIWU_WAIT == 0) begin
			r_tx_busy <= 1'b0;
			r_sent <= 1'b0;
			r_quiet <= 0;
			r_siwu <= 1'b0;
		end else begin
			r_tx_busy <= w_taken || r_tx_full || r_pre_full || w_txf_valid || r_wr;
			r_siwu <= 1'b0;
			if (w_taken)
				r_sent <= 1'b1;
			if (r_tx_busy)
				r_quiet <= 0;
			else if (r_sent) begin
				if (r_quiet == QUIET_END) begin
					r_siwu <= 1'b1;
					r_sent <= 1'b0;
					r_quiet <= 0;
				end else
					r_quiet <= r_quiet + 1'b1;
			end
		end

	wire w_unused = &{1'b0, w_rx_wready, w_tx_fill};

`ifdef FORMAL
	// The bus rules, in the FIFO clock: proven by tests/test_formal.sh (scripts/prove.sh, with every
	// flip-flop stepped together: whatever the chip and the transmit FIFO do, the bus logic keeps the
	// rules and a byte the chip did not take stays on D until it does);
	// sim/ft245_chip.c checks the same from the chip's side in simulation at real clock ratios.
	reg f_past_valid = 1'b0;
	always @(posedge i_ft_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_reset);

	always @(posedge i_ft_clk)
		if (f_past_valid && !$past(w_ft_reset)) begin
			// RD# low only with OE# low, and OE# was low in the cycle before too
			if (!o_rd_n)
				assert(!o_oe_n && !$past(o_oe_n));
			// the FPGA drives D only with OE# high, and OE# was high in the cycle before
			// (turnaround), never reading and writing at once
			if (o_data_oe)
				assert(o_oe_n && $past(o_oe_n) && o_rd_n);
			// WR# low only while D is driven, never at two edges in a row
			if (!o_wr_n)
				assert(o_data_oe && r_tx_full && $past(o_wr_n));
			// a byte not taken stays on D: the holding register changes only once the chip took
			// its byte (the strobe's edge, WR# and TXE# low, seen through the pad registers)
			if ($past(r_tx_full) && !($past(r_wr_q) && !$past(r_txe_n_q)))
				assert(r_tx_full && o_data == $past(o_data));
			// SIWU# strobes for one cycle, never with WR# low
			if (!o_siwu_n)
				assert(o_wr_n && $past(o_siwu_n));
			// the state and the pins agree
			assert((r_state == S_OE || r_state == S_READ) == !o_oe_n);
			assert((r_state == S_WRITE) == o_data_oe);
		end

`ifndef MMF_PROVE_TOP_mmf_ft245_sync
	// a byte read is never refused by the receive FIFO: checked in simulation (Verilator --assert);
	// not proven (the room margin depends on how the two clocks run)
	always @(posedge i_ft_clk)
		if (f_past_valid && r_in_valid && !w_ft_reset)
			assert(w_rx_wready);
`endif
`endif
endmodule
