`default_nettype none
// mmf_spi_slave: the SPI link's PHY, an SPI slave (mode 0: SCK idles low, data sampled on the rising
// edge, MSB first, CS active low) that carries the link's bytes both ways with the framing of
// docs/protocol.md ("SPI link layer"):
//   - a transaction is CS low, one command byte, then data bytes; CS high ends it at any point, and a
//     byte cut short by CS counts for neither side;
//   - command 0x01 WRITE: every later MOSI byte is a link byte for the core (o_rx_valid, one pulse
//     each); 0x02 READ: MOSI is ignored after it and MISO carries the core's bytes; any other command
//     (0x00 and 0xFF: a line stuck low or high) makes the transaction do nothing;
//   - MISO, from the command byte on, is a chunked stream: a length byte L (0..127, MSB always 0) says
//     how many of the core's bytes wait here (capped at 127); in a READ the next L bytes are those,
//     then comes another length byte, and so on. Outside a READ every MISO byte is a length byte and
//     nothing is taken. A byte leaves the TX FIFO when its eighth bit has been clocked; one cut short
//     by CS is sent again in the next READ. A MISO line nobody drives reads 0xFF, which is no length.
//
// Clocking: SCK, CS and MOSI pass two flip-flops into the core clock (a third on SCK finds its rising
// edge); MISO changes in the cycle after a rising edge is seen, at most 3 core cycles after the edge
// on the pin, and holds until the next one: the master samples it a whole SCK period later (not
// half of one, as a slave that changes on the falling edge would need). Supported: SCK high and low
// each >= 2 core cycles (period >= 4: 12 MHz SCK at a 48 MHz core; the FT232H's 10 MHz is 4.8), CS
// high for >= 2 core cycles between transactions, and >= 2 core cycles from CS low to the first rising
// edge and from the last rising edge to CS high (the FT232H leaves whole commands between them).
//
// Output enable: none here; the board top drives MISO only while CS (the pin itself, not its
// synchronised copy) is low, so the flash sharing the line is never fought. o_spi_miso is 0 whenever
// no transaction is running: the MSB of the first length byte is on the line before the first edge.
//
// Parameters:
//   LG_DEPTH  log2 of the TX FIFO (the core's bytes waiting for a READ), >= 1; 9 is one 512 x 8 block
//             RAM. When it is full, o_tx_ready is low and the core waits.
//
// Reset: the FIFO pointers, the transaction state and the byte pulse. After a reset the slave waits
// for CS high before it counts bits, so a reset in the middle of a transaction cannot misalign the next
// one. The synchronisers, the shift registers and the FIFO memory are not reset.
module mmf_spi_slave #(
	parameter LG_DEPTH = 9
) (
	input  wire       i_clk,
	input  wire       i_reset,
	// the SPI pins (asynchronous to i_clk)
	input  wire       i_spi_sck,
	input  wire       i_spi_cs_n,
	input  wire       i_spi_mosi,
	output wire       o_spi_miso,
	// link bytes to the core
	output reg        o_rx_valid,
	output reg  [7:0] o_rx_data,
	// link bytes from the core
	input  wire       i_tx_valid,
	output wire       o_tx_ready,
	input  wire [7:0] i_tx_data
);
	localparam [7:0] CMD_WRITE = 8'h01,
			 CMD_READ  = 8'h02;
	localparam [1:0] M_NONE  = 2'd0,  // before the command byte, or an unknown command
			 M_WRITE = 2'd1,
			 M_READ  = 2'd2;
	localparam DEPTH = 1 << LG_DEPTH;
	localparam [LG_DEPTH-1:0] ONE = 1;
	// width of the byte count as compared with the announced lengths (7 bits): wider than both
	localparam CW = LG_DEPTH + 8;

	reg  [2:0]          r_sck;      // SCK, two flip-flops deep, and the cycle before (edge)
	reg  [1:0]          r_cs;       // CS, two flip-flops deep
	reg  [1:0]          r_mosi;     // MOSI, two flip-flops deep (in step with r_sck[1])
	reg                 r_armed;    // CS has been seen high since reset
	reg  [2:0]          r_bit;      // bits of the current byte clocked so far
	reg                 r_first;    // the current byte is the command byte
	reg  [1:0]          r_mode;     // what the command said
	reg  [6:0]          r_left;     // announced bytes not yet sent; != 0: this byte is one of them
	reg  [6:0]          r_len;      // the length latched for the current length byte
	reg  [6:0]          r_rx;       // MOSI bits of the current byte so far, the first at the top
	reg  [7:0]          r_tx;       // MISO: r_tx[7] is on the line
	(* no_rw_check *)
	reg  [7:0]          r_mem [0:DEPTH-1];  // a read colliding with a write is never used (r_next is
						  // read again every cycle): no bypass logic
	reg  [LG_DEPTH-1:0] r_wr, r_rd; // FIFO pointers
	reg  [LG_DEPTH:0]   r_count;    // bytes in the FIFO, counted (r_wr - r_rd and its compare with
					// 127 were a 27 ns path at 48 MHz)
	reg  [7:0]          r_next;     // the byte to load at the end of this one (registered read)
	// decisions for the end of a byte, registered a cycle after their inputs settle (rising edges are
	// >= 2 cycles apart, and r_left and r_len change bytes apart), off the path into r_tx:
	reg                 r_left_more;  // r_left > 1: another announced byte follows this one
	reg                 r_len_nz;     // r_len != 0
	reg                 r_rx_read;    // r_rx holds the first seven bits of CMD_READ

	wire                w_idle = r_cs[1] || !r_armed;    // no transaction: hold everything cleared
	wire                w_rise = r_sck[1] && !r_sck[2] && !w_idle;
	wire                w_end = w_rise && (r_bit == 3'd7);
	wire [7:0]          w_byte = {r_rx, r_mosi[1]};      // the byte ending at w_end
	wire                w_data = (r_left != 0);           // this byte is a link byte for the host
	wire                w_pop = w_end && w_data;
	wire                w_push = i_tx_valid && o_tx_ready;
	wire [CW-1:0]       w_count = {{(CW - LG_DEPTH - 1){1'b0}}, r_count};
	wire [6:0]          w_avail = w_big ? 7'd127 : w_count[6:0];
	wire                w_unused = &{1'b0, w_count[CW-1:7]};   // above 127: w_big says so
	// announced bytes left after this byte, and whether the next byte is one of them
	wire                w_is_read = r_first ? (r_rx_read && r_mosi[1] == CMD_READ[0]) : (r_mode == M_READ);
	wire [6:0]          w_left_next = w_data ? r_left - 1'b1 : (w_is_read ? r_len : 7'd0);
	// w_left_next != 0, from the registered decisions
	wire                w_more = w_data ? r_left_more : (w_is_read && r_len_nz);
	// while a link byte is on the line its successor is prefetched, else the head itself
	wire [LG_DEPTH-1:0] w_raddr = r_rd + (w_data ? ONE : {LG_DEPTH{1'b0}});
	// the count's step: +1, -1 (all ones) or 0, one adder
	wire [LG_DEPTH:0]   w_delta = {{LG_DEPTH{w_pop && !w_push}}, w_pop != w_push};

	assign o_spi_miso = r_tx[7];
	assign o_tx_ready = !r_count[LG_DEPTH];   // r_count <= DEPTH: its top bit says full

	// more than the length cap (127) waiting: a plain OR of the count's high bits, no comparator
	wire w_big;
	generate if (LG_DEPTH >= 7) begin : gen_big
		assign w_big = |r_count[LG_DEPTH:7];
	end else begin : gen_small
		assign w_big = 1'b0;
	end endgenerate

	// drives: the synchronisers
	always @(posedge i_clk) begin
		r_sck <= {r_sck[1:0], i_spi_sck};
		r_cs <= {r_cs[0], i_spi_cs_n};
		r_mosi <= {r_mosi[0], i_spi_mosi};
	end

	// drives: r_armed, the transaction state (bit count, command, announced bytes)
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_armed <= 1'b0;
			r_bit <= 3'd0;
			r_first <= 1'b1;
			r_mode <= M_NONE;
			r_left <= 7'd0;
		end else if (w_idle) begin
			r_armed <= r_armed || r_cs[1];
			r_bit <= 3'd0;
			r_first <= 1'b1;
			r_mode <= M_NONE;
			r_left <= 7'd0;
		end else if (w_rise) begin
			r_bit <= r_bit + 1'b1;
			if (w_end) begin
				r_first <= 1'b0;
				if (r_first)
					r_mode <= (w_byte == CMD_WRITE) ? M_WRITE :
						  (w_byte == CMD_READ) ? M_READ : M_NONE;
				r_left <= w_left_next;
			end
		end
	end

	// drives: the registered decisions
	always @(posedge i_clk) begin
		r_left_more <= (r_left > 7'd1);
		r_len_nz <= (r_len != 7'd0);
		r_rx_read <= (r_rx == CMD_READ[7:1]);
	end

	// drives: the latched length (at the first edge of a length byte: its MSB, 0, is on the line)
	always @(posedge i_clk)
		if (w_rise && r_bit == 3'd0 && !w_data)
			r_len <= w_avail;

	// drives: the MOSI and MISO shift registers
	always @(posedge i_clk) begin
		if (w_rise)
			r_rx <= w_byte[6:0];
		if (w_idle)
			r_tx <= 8'h00;
		else if (w_end)
			r_tx <= w_more ? r_next : 8'h00;
		else if (w_rise && r_bit == 3'd0 && !w_data)
			r_tx <= {w_avail, 1'b0};
		else if (w_rise)
			r_tx <= {r_tx[6:0], 1'b0};
	end

	// drives: the byte pulse to the core (a whole byte of a WRITE after its command)
	always @(posedge i_clk) begin
		if (i_reset) begin
			o_rx_valid <= 1'b0;
		end else begin
			o_rx_valid <= w_end && !r_first && (r_mode == M_WRITE);
		end
	end

	// drives: the byte itself
	always @(posedge i_clk)
		if (w_end)
			o_rx_data <= w_byte;

	// drives: the FIFO pointers and its count
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_wr <= 0;
			r_rd <= 0;
			r_count <= 0;
		end else begin
			if (w_push)
				r_wr <= r_wr + 1'b1;
			if (w_pop)
				r_rd <= w_raddr;        // a pop is in a link byte, where w_raddr = r_rd + 1
			r_count <= r_count + w_delta;
		end
	end

	// drives: the FIFO memory and its registered read
	always @(posedge i_clk) begin
		if (w_push)
			r_mem[r_wr] <= i_tx_data;
		r_next <= r_mem[w_raddr];
	end

`ifdef FORMAL
	localparam [LG_DEPTH:0] FULL = DEPTH;
	// The assertions hold for any input (scripts/prove.sh applies the assumptions too: they state the
	// stream rule, which the FIFO's contents, not its state, depend on).
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_reset);

	// the core side: a byte offered stays offered, unchanged, until taken
	always @(posedge i_clk)
		if (f_past_valid && !$past(i_reset) && $past(i_tx_valid && !o_tx_ready)) begin
			assume(i_tx_valid);
			assume(i_tx_data == $past(i_tx_data));
		end

	always @(posedge i_clk)
		if (f_past_valid && !$past(i_reset)) begin
			// the FIFO never holds more than it can; its count and pointers agree
			assert(r_count <= FULL);
			assert(r_wr - r_rd == r_count[LG_DEPTH-1:0]);
			// every announced byte is in the FIFO: a READ never sends a byte that is not there
			assert({{(CW - 7){1'b0}}, r_left} <= w_count);
			// ... and a length latched in this length byte is still true at its end (nothing
			// leaves the FIFO during a length byte)
			if (!w_data && r_bit != 3'd0)
				assert({{(CW - 7){1'b0}}, r_len} <= w_count);
			// the registered decisions agree with what they stand for where they are used
			if (w_end)
				assert(w_more == (w_left_next != 7'd0));
			// link bytes go to the host only in a READ, after its command
			if (w_data)
				assert(r_mode == M_READ && !r_first);
			if (r_first)
				assert(r_mode == M_NONE && !w_data);
			// no transaction: nothing clocked, MISO low (the first length byte's MSB)
			if ($past(w_idle))
				assert(r_bit == 3'd0 && r_first && !w_data && !o_spi_miso);
			// MISO changes only in the cycle after a rising edge (or when the transaction ends):
			// so it is stable for a whole SCK period before the master samples it
			if (!$past(w_rise) && !$past(w_idle))
				assert(o_spi_miso == $past(o_spi_miso));
			// every length byte starts with a 0 on the line (its value is latched a bit later)
			if (!w_data && r_bit == 3'd0)
				assert(!o_spi_miso);
			// a byte pulse lasts one cycle, comes from a WRITE, and is never the command byte
			if (o_rx_valid)
				assert(!$past(o_rx_valid) && $past(r_mode) == M_WRITE && !$past(r_first));
		end
`endif
endmodule
