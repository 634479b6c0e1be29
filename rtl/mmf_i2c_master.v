`default_nettype none
// mmf_i2c_master: an I2C master's byte engine: START (or repeated START), write a byte and take its
// acknowledge, read a byte and send an acknowledge, STOP; one command at a time, each answered by a
// one-cycle o_done. SCL and SDA are open-drain: o_*_oe high pulls the line low, low releases it to the
// pull-up; the board top puts them on SB_IO pads, the core sees plain in/oe wires. No clock
// stretching, no arbitration (a single master, slaves that do not stretch, as the INA226).
//
// Each bit takes four quarter periods of about 9/8 x CLOCK_HZ / (4 x I2C_HZ) cycles (SCL at 8/9 of
// I2C_HZ: 356 kHz for 400 kHz at 48 MHz, meeting fast mode's 1.3 us low): SCL low (SDA changes here),
// SCL released, SCL released (SDA is sampled at the end of this quarter), SCL low. START: SDA
// released with SCL as it was, SCL released, SDA low, SCL low. STOP: SDA and SCL low, SCL released,
// SDA released, both released. SCL and SDA are sampled through two flip-flops.
//
// Parameters:
//   CLOCK_HZ   the core clock
//   I2C_HZ     the mode: 100000 (standard) or 400000 (fast); SCL runs at 8/9 of it
//
// Reset: the command state, the quarter counter and the pin enables (both released). The shift
// register and the byte read are not reset.
module mmf_i2c_master #(
	parameter CLOCK_HZ = 48000000,
	parameter I2C_HZ = 400000
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// command: 0 START, 1 WRITE i_data, 2 READ (acknowledge it if i_ack), 3 STOP
	input  wire        i_cmd_valid,
	output wire        o_cmd_ready,
	input  wire [1:0]  i_cmd,
	input  wire [7:0]  i_data,
	input  wire        i_ack,
	// outcome: one cycle; o_rdata after a READ, o_nak after a WRITE (1: not acknowledged)
	output reg         o_done,
	output wire [7:0]  o_rdata,
	output reg         o_nak,
	// the lines
	input  wire        i_scl,
	input  wire        i_sda,
	output reg         o_scl_oe,
	output reg         o_sda_oe
);
	// cycles per quarter bit: a ninth longer than I2C_HZ asks, so that SCL low (two quarters) meets
	// the mode's minimum at an even duty (fast mode: 1.3 us low of a 2.5 us period)
	localparam QDIV = CLOCK_HZ / (4 * I2C_HZ) + CLOCK_HZ / (32 * I2C_HZ);
	localparam LGQ = (QDIV > 2) ? $clog2(QDIV) : 1;
	localparam [31:0] QL32 = QDIV - 1;
	localparam [LGQ-1:0] Q_LAST = QL32[LGQ-1:0];
	// the command being run, one-hot
	localparam C_START = 0, C_WRITE = 1, C_READ = 2, C_STOP = 3;

	reg  [3:0]     r_kind;      // one-hot; 0: idle
	reg  [LGQ-1:0] r_tick;      // cycles into the quarter
	reg  [1:0]     r_q;         // quarter of the bit
	reg  [3:0]     r_bit;       // bit of the byte, 8 = the acknowledge
	reg  [7:0]     r_sh;        // WRITE: bits to send (MSB first); READ: bits taken
	reg            r_ack;       // READ: acknowledge the byte
	reg  [1:0]     r_scl_s, r_sda_s;   // the lines, synchronised

	wire w_busy = |r_kind;
	wire w_qend = (r_tick == Q_LAST);
	wire w_bit_end = w_qend && (r_q == 2'd3);
	// the command ends with this quarter: START and STOP are one bit long, bytes nine
	wire w_end = w_bit_end && (r_kind[C_START] || r_kind[C_STOP] || r_bit == 4'd8);

	assign o_cmd_ready = !w_busy;
	assign o_rdata = r_sh;

	// drives: the two-flip-flop synchronisers of the lines
	always @(posedge i_clk) begin
		r_scl_s <= {r_scl_s[0], i_scl};
		r_sda_s <= {r_sda_s[0], i_sda};
	end

	// drives: the command, the quarter and bit counters
	always @(posedge i_clk)
		if (i_reset) begin
			r_kind <= 4'd0;
			r_tick <= {LGQ{1'b0}};
			r_q <= 2'd0;
			r_bit <= 4'd0;
		end else if (!w_busy) begin
			if (i_cmd_valid)
				r_kind <= 4'd1 << i_cmd;
			r_tick <= {LGQ{1'b0}};
			r_q <= 2'd0;
			r_bit <= 4'd0;
		end else begin
			r_tick <= w_qend ? {LGQ{1'b0}} : r_tick + 1'b1;
			if (w_qend)
				r_q <= r_q + 2'd1;
			if (w_bit_end)
				r_bit <= r_bit + 4'd1;
			if (w_end)
				r_kind <= 4'd0;
		end

	// drives: the shift register (loaded with the byte to write, or filled by the bits read) and the
	// acknowledge to send
	always @(posedge i_clk)
		if (!w_busy) begin
			if (i_cmd_valid) begin
				r_sh <= i_data;
				r_ack <= i_ack;
			end
		end else if (r_bit != 4'd8) begin
			if (r_kind[C_WRITE] && w_bit_end)
				r_sh <= {r_sh[6:0], 1'b0};
			else if (r_kind[C_READ] && w_qend && r_q == 2'd2)
				r_sh <= {r_sh[6:0], r_sda_s[1]};
		end

	// drives: the outcome (a WRITE's acknowledge is sampled where a READ takes a bit)
	always @(posedge i_clk) begin
		o_done <= !i_reset && w_busy && w_end;
		if (r_kind[C_WRITE] && r_bit == 4'd8 && w_qend && r_q == 2'd2)
			o_nak <= r_sda_s[1];
	end

	// the lines for the current quarter: SCL low in quarters 0 and 3 of a bit; SDA per command
	reg w_scl_low, w_sda_low;
	always @(*) begin
		w_scl_low = o_scl_oe;                   // idle: as it is
		w_sda_low = o_sda_oe;
		if (r_kind[C_START]) begin
			w_scl_low = (r_q == 2'd0) ? o_scl_oe : (r_q == 2'd3);
			w_sda_low = r_q[1];
		end else if (r_kind[C_STOP]) begin
			w_scl_low = (r_q == 2'd0);
			w_sda_low = !r_q[1];
		end else if (r_kind[C_WRITE] || r_kind[C_READ]) begin
			w_scl_low = (r_q == 2'd0) || (r_q == 2'd3);
			w_sda_low = (r_bit == 4'd8) ? (r_kind[C_READ] && r_ack) :
				    (r_kind[C_WRITE] && !r_sh[7]);
		end
	end

	// drives: the pin enables, registered
	always @(posedge i_clk)
		if (i_reset) begin
			o_scl_oe <= 1'b0;
			o_sda_oe <= 1'b0;
		end else begin
			o_scl_oe <= w_scl_low;
			o_sda_oe <= w_sda_low;
		end

	// SCL is read back only by a master that waits for stretching; this one does not
	wire w_unused = &{1'b0, r_scl_s};

`ifdef FORMAL
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(posedge i_clk)
		if (f_past_valid && !$past(i_reset) && !i_reset) begin
			// one command at a time: the kind is one-hot or idle
			assert((r_kind & (r_kind - 4'd1)) == 4'd0);
			// SDA changes while SCL is released only for START (falling) and STOP (rising)
			if (!$past(o_scl_oe) && !o_scl_oe && o_sda_oe != $past(o_sda_oe))
				assert((o_sda_oe && $past(r_kind[C_START])) || (!o_sda_oe && $past(r_kind[C_STOP])));
			// o_done lasts one cycle
			if ($past(o_done))
				assert(!o_done);
		end
	// the pins follow the command within its quarters (what makes the line rules inductive)
	always @(*)
		if (!i_reset) begin
			assert(r_tick <= Q_LAST);
			if (w_busy && r_tick != {LGQ{1'b0}})
				assert(o_scl_oe == w_scl_low && o_sda_oe == w_sda_low);
			if ((r_kind[C_WRITE] || r_kind[C_READ]) && r_q != 2'd0)
				assert(o_sda_oe == w_sda_low);
		end
`endif
endmodule
