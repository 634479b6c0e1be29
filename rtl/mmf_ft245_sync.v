`default_nettype none
// mmf_ft245_sync: the link's FIFO PHY, the FPGA side of an FT2232H channel in 245 synchronous FIFO
// mode, carrying the core's bytes both ways (INFO link 2). Everything on the bus is in the chip's
// 60 MHz CLKOUT (i_ft_clk): the chip changes its outputs after a rising edge, and both sides take
// what the other drives at the next rising edge.
//   - Reading: RXF# low says the chip has a byte. The FPGA drives OE# low for one cycle (the chip
//     then drives D), then RD# low as well; a byte crosses at every rising edge where RXF# and RD#
//     are both low. RXF# may rise at any edge (the chip's buffer ran dry): no byte crosses at that
//     edge, and D means nothing until RXF# is low again. RD# stays low through such a stall.
//   - Writing: TXE# low says the chip has room. The FPGA drives D and WR# low; the chip takes the
//     byte at every rising edge where TXE# and WR# are both low. A byte not taken (TXE# high) stays
//     on D until it is.
//   - The bus is half duplex. An arbiter gives it to one direction at a time: to reading while the
//     chip has bytes and the receive FIFO has room, to writing while the chip has room and there is a
//     byte to send. A direction keeps the bus while it can move bytes, for at most 2^LG_BURST cycles
//     when the other one is waiting, and gives it up at once when it is stalled and the other is
//     not; when both wait they take turns. Between the two there is a turnaround cycle with OE# high
//     and D released (IDLE) before the FPGA drives D, and a cycle of OE# alone before RD#.
//   - Receive FIFO room: the FPGA raises RD# when the FIFO holds more than its size less 8 by a fill
//     level that is a few cycles old (at most 5 bytes can still arrive after it was measured):
//     nothing that crosses is ever dropped.
//   - SIWU# (send immediate / wake up) is held high: the chip sends a short packet by its own
//     latency timer.
//
// Clock crossing: two mmf_async_fifo, receive (FIFO clock -> core) and transmit (core -> FIFO
// clock). The core side has mmf_spi_slave's ports: o_rx_valid is a one-cycle pulse per byte (at most
// one per RX_SPACING core cycles: the core must take every byte), o_tx_ready takes the core's bytes
// into the transmit FIFO. The bus side registers each byte read (o_rx_valid comes about 4 core
// cycles plus 3 FIFO clock cycles after the edge it crossed at).
//
// Pins: o_data and o_data_oe are the data bus split for the board top's SB_IO tri-state (the FPGA
// drives D exactly while o_data_oe is high); OE#, RD#, WR# and o_data_oe are registers (inverted
// after them: all four are inactive at power-up, before any reset).
//
// Parameters:
//   LG_RX       log2 of the receive FIFO (9: one block RAM), >= 4
//   LG_TX       log2 of the transmit FIFO (9: one block RAM), >= 2
//   LG_BURST    log2 of the cycles a direction may keep the bus while the other waits, >= 2
//   RX_SPACING  fewest core cycles from one o_rx_valid pulse to the next (1: every cycle; the SoC's
//               packet receiver needs 8, mmf_pkt_rx)
//
// Reset: i_reset is in the core clock. It reaches the FIFO clock's side through a request and
// acknowledge pair of two-flop synchronisers: the core side stays in reset until the FIFO clock's
// side has been in reset and left it, so both sides of each FIFO restart empty together. Reset
// state: the bus released (OE#, RD#, WR# high, D not driven), the FIFOs empty, no byte pulse. The
// data registers and the FIFO memories are not reset. The handshake's registers start (with the
// bitstream's initial values) as if a reset had been asked for: both sides are held in reset from
// configuration until it has run once, so no byte is read from the chip before the core's clock
// runs and its reset has passed.
module mmf_ft245_sync #(
	parameter LG_RX = 9,
	parameter LG_TX = 9,
	parameter LG_BURST = 7,
	parameter RX_SPACING = 1
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
	// another, RD# by a third, and a byte read crosses the input register: five bytes may still come
	// after the pushes o_wr_fill counts (three more for margin)
	localparam [LG_RX:0] RX_ROOM = (1 << LG_RX) - 8;
	localparam GW = (RX_SPACING > 1) ? $clog2(RX_SPACING) : 1;
	localparam [31:0] GAP32 = RX_SPACING - 1;
	localparam [GW-1:0] GAP = GAP32[GW-1:0];

	reg        r_oe, r_rd, r_wr;   // OE#, RD#, WR# low
	assign o_oe_n = !r_oe;
	assign o_rd_n = !r_rd;
	assign o_wr_n = !r_wr;

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
	reg              r_in_valid;   // a byte crossed at the last edge
	reg  [7:0]       r_in_data;
	reg              r_room;       // the receive FIFO can take the bytes still to come (RX_ROOM)
	wire [LG_RX:0]   w_rx_fill;
	wire             w_rx_wready;  // never low when r_in_valid is high (see RX_ROOM)
	wire             w_rxf_valid;
	wire [7:0]       w_rxf_data;
	reg  [GW-1:0]    r_gap;        // core cycles to wait before the next byte pulse
	wire             w_rx_take = w_rxf_valid && (r_gap == 0);

	// drives: the input register (a byte crosses where RXF# and RD# are both low)
	always @(posedge i_ft_clk) begin
		r_in_valid <= !w_ft_reset && !i_rxf_n && r_rd;
		r_in_data <= i_data;
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

	// ---- transmit: core -> FIFO -> holding register -> bus ----
	wire             w_txf_valid;
	wire [7:0]       w_txf_data;
	wire             w_tx_wready;
	wire [LG_TX:0]   w_tx_fill;    // not used: o_tx_ready is enough on this side
	reg              r_tx_full;    // the holding register has a byte for the bus
	reg  [7:0]       r_tx_byte;    // the byte on D while o_data_oe is high
	wire             w_taken = r_wr && !i_txe_n;             // the chip takes D at this edge
	wire             w_hold_free = !r_tx_full || w_taken;
	wire             w_tx_full_nx = w_hold_free ? w_txf_valid : 1'b1;

	assign o_tx_ready = w_tx_wready && !w_core_reset;
	assign o_data = r_tx_byte;
	assign o_siwu_n = 1'b1;

	mmf_async_fifo #(.LG_DEPTH(LG_TX), .W(8)) u_tx_fifo (
		.i_wclk(i_clk), .i_wreset(w_core_reset),
		.i_wr_valid(i_tx_valid && !w_core_reset), .o_wr_ready(w_tx_wready), .i_wr_data(i_tx_data),
		.o_wr_fill(w_tx_fill),
		.i_rclk(i_ft_clk), .i_rreset(w_ft_reset),
		.o_rd_valid(w_txf_valid), .i_rd_ready(w_hold_free), .o_rd_data(w_txf_data));

	// drives: the holding register's flag
	always @(posedge i_ft_clk)
		if (w_ft_reset)
			r_tx_full <= 1'b0;
		else
			r_tx_full <= w_tx_full_nx;

	// drives: the holding register
	always @(posedge i_ft_clk)
		if (w_hold_free && w_txf_valid)
			r_tx_byte <= w_txf_data;

	// ---- the arbiter ----
	reg  [1:0]          r_state;
	reg  [LG_BURST-1:0] r_burst;   // cycles in this state (saturating)
	reg                 r_tx_turn; // both directions waiting: writing goes first
	reg  [1:0]          w_next;
	wire                w_rx_go = !i_rxf_n && r_room;                 // reading could move a byte
	wire                w_tx_have = r_tx_full || w_txf_valid;   // a byte to send
	wire                w_tx_go = !i_txe_n && w_tx_have;            // writing could move a byte
	reg                 r_burst_end;   // r_burst has reached its end

	always @(*) begin
		w_next = r_state;
		case (r_state)
		S_IDLE:  if (w_rx_go && !(w_tx_go && r_tx_turn))
				w_next = S_OE;
			 else if (w_tx_go)
				w_next = S_WRITE;
		S_OE:    w_next = S_READ;
		S_READ:  if (w_tx_go && (i_rxf_n || !r_room || r_burst_end))
				w_next = S_IDLE;
		default: if (w_rx_go && (i_txe_n || !w_tx_have || r_burst_end))
				w_next = S_IDLE;
		endcase
	end

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
			if (r_state == S_READ && w_next == S_IDLE)
				r_tx_turn <= 1'b1;
			else if (r_state == S_WRITE && w_next == S_IDLE)
				r_tx_turn <= 1'b0;
		end

	// drives: the bus controls (registers: each holds for the whole cycle after the edge). They are
	// kept active high, so that the iCE40's flip-flops, zero after configuration, leave the bus
	// released until the reset has reached this side.
	always @(posedge i_ft_clk)
		if (w_ft_reset) begin
			r_oe <= 1'b0;
			r_rd <= 1'b0;
			r_wr <= 1'b0;
			o_data_oe <= 1'b0;
		end else begin
			r_oe <= (w_next == S_OE || w_next == S_READ);
			r_rd <= (w_next == S_READ && r_room);
			r_wr <= (w_next == S_WRITE && w_tx_full_nx);
			o_data_oe <= (w_next == S_WRITE);
		end

	wire w_unused = &{1'b0, w_rx_wready, w_tx_fill};

`ifdef FORMAL
	// The bus rules, in the FIFO clock: proven by tests/test_formal.sh (scripts/prove.sh, with every
	// flip-flop stepped together: whatever the transmit FIFO offers, the bus logic keeps the rules);
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
			// WR# low only while D is driven
			if (!o_wr_n)
				assert(o_data_oe && r_tx_full);
			// a byte not taken stays on D while WR# stays low
			if (!o_wr_n && $past(!o_wr_n && i_txe_n))
				assert(o_data == $past(o_data));
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
