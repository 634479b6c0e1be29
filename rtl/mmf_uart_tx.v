`default_nettype none
// mmf_uart_tx: UART 8N1 transmitter. A byte taken from the valid/ready stream goes out as a start bit
// (0), eight data bits LSB first and a stop bit (1), each i_div clock cycles long. The last cycle of
// every stop bit is spent idle with o_ready high, so a byte already waiting starts its start bit on
// the next cycle: back to back, a byte takes exactly 10 * i_div cycles and the line never idles.
// i_div is latched with each byte, so changing it mid-frame only affects the bytes after.
//
// Parameters:
//   LG_DIV  width of i_div, the clock cycles per bit (runtime, >= 2)
//
// The line register is kept inverted (r_low), so the line idles high from configuration on, before
// any reset (iCE40 flip-flops start at 0).
//
// Reset: the bit counters and the line. The data shift register and the latched divisor are not reset.
module mmf_uart_tx #(
	parameter LG_DIV = 8
) (
	input  wire              i_clk,
	input  wire              i_reset,
	// configuration
	input  wire [LG_DIV-1:0] i_div,
	// bytes in
	input  wire              i_valid,
	output wire              o_ready,
	input  wire [7:0]        i_data,
	// line
	output wire              o_tx
);
	reg [3:0]        r_bits;    // bits left, counting the one on the line: 10 start .. 1 stop, 0 idle
	reg [LG_DIV-1:0] r_cnt;     // cycles left in the bit on the line, counting this one
	reg [7:0]        r_shift;   // data bits not yet on the line, the next one at bit 0
	reg [LG_DIV-1:0] r_div;     // i_div of the byte being sent
	reg              r_low;     // the line is low

	wire w_take = i_valid && o_ready;
	// the bit on the line ends this cycle; the stop bit one cycle early, its last cycle being the idle
	// one that takes the next byte
	wire w_next = (r_bits == 4'd1) ? (r_cnt == 2) : (r_bits != 0) && (r_cnt == 1);

	assign o_ready = (r_bits == 0);
	assign o_tx = !r_low;

	// drives: bit counters and the line
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_bits <= 4'd0;
			r_cnt <= 0;
			r_low <= 1'b0;
		end else if (w_take) begin
			r_bits <= 4'd10;
			r_cnt <= i_div;
			r_low <= 1'b1;
		end else if (w_next) begin
			r_bits <= r_bits - 1'b1;
			r_cnt <= r_div;
			r_low <= (r_bits > 4'd2) && !r_shift[0];
		end else if (r_bits != 0) begin
			r_cnt <= r_cnt - 1'b1;
		end
	end

	// drives: the data shift register and the latched divisor
	always @(posedge i_clk)
		if (w_take) begin
			r_shift <= i_data;
			r_div <= i_div;
		end else if (w_next)
			r_shift <= {1'b1, r_shift[7:1]};

`ifdef FORMAL
	// The assertions hold for any input (scripts/prove.sh does not apply the assumptions); the
	// assumptions state the stream rule for a prover that does, and Verilator checks them in sim.
	localparam FW = LG_DIV + 4;
	reg          f_past_valid = 1'b0;
	reg          f_sent = 1'b0;      // a byte was taken since reset
	reg [FW-1:0] f_age = 0;          // cycles since the last byte was taken, counted while busy
	wire [FW-1:0] f_div = {4'd0, r_div};
	wire [FW-1:0] f_done = {{LG_DIV{1'b0}}, 4'd10 - r_bits};   // whole bits on the line so far
	wire [FW-1:0] f_cnt = {4'd0, r_cnt};

	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_reset);

	// the input side: a byte offered stays offered, unchanged, until taken
	always @(posedge i_clk)
		if (f_past_valid && !$past(i_reset) && $past(i_valid && !o_ready)) begin
			assume(i_valid);
			assume(i_data == $past(i_data));
		end

	// drives: f_sent, f_age
	always @(posedge i_clk) begin
		if (i_reset) begin
			f_sent <= 1'b0;
			f_age <= 0;
		end else if (w_take) begin
			f_sent <= 1'b1;
			f_age <= 0;
		end else if (r_bits != 0) begin
			f_age <= f_age + 1'b1;
		end
	end

	always @(posedge i_clk)
		if (f_past_valid && !$past(i_reset)) begin
			// o_ready only when idle; the line is high when idle and during the stop bit
			assert(o_ready == (r_bits == 0));
			if (r_bits <= 4'd1)
				assert(o_tx);
			assert(r_bits <= 4'd10);
			// a byte taken puts its start bit on the line at once
			if ($past(w_take))
				assert(r_bits == 4'd10 && !o_tx);
			// every bit lasts r_div cycles and the stop bit's last cycle is the idle one, so the next
			// byte can be taken exactly 10 * r_div cycles after the last one
			if (r_div >= 2) begin
				if (r_bits != 0)
					assert(r_cnt != 0 && r_cnt <= r_div);
				if (r_bits == 4'd1)
					assert(r_cnt >= 2);
				if (r_bits != 0)
					assert(f_age == f_done * f_div + f_div - f_cnt);
				if (r_bits == 4'd0 && f_sent)
					assert(f_age == 10 * f_div - 1'b1);
			end
		end
`endif
endmodule
