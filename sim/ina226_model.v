`default_nettype none
// ina226_model: a MODEL of a TI INA226 current and power monitor's I2C slave side and registers, for
// the testbenches and the virtual board (it is not the part: no conversions, no alert pin, no clock
// stretching). Twin of hls_c/ina226_model.c: the same registers and the same byte rules (a write is
// the pointer, then a register's MSB and LSB, further bytes acknowledged and ignored; a read returns
// the pointed register's MSB, LSB, MSB, ...). The shunt and bus registers are inputs the harness sets;
// current = shunt x calibration / 2048 and power = |current| x bus / 20000, as the data sheet has them.
//
// The lines are sampled on i_clk (the simulation's clock, much faster than SCL): a START or STOP is
// SDA changing while SCL is high; bits are taken and counted on SCL's rise; SDA is driven (o_sda_oe
// pulls low) only after SCL falls.
//
// Parameters:
//   ADDR   the 7-bit address (0x40: A1 and A0 to ground)
//
// Reset: the slave's state and the registers (to their power-on values).
module ina226_model #(
	parameter [6:0] ADDR = 7'h40
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// the measured values and whether the part is there at all
	input  wire        i_present,
	input  wire [15:0] i_shunt,     // shunt voltage register, 2.5 uV per LSB, signed
	input  wire [15:0] i_bus,       // bus voltage register, 1.25 mV per LSB
	// the lines
	input  wire        i_scl,
	input  wire        i_sda,
	output reg         o_sda_oe
);
	localparam [1:0] P_IDLE = 2'd0, P_ADDR = 2'd1, P_WR = 2'd2, P_RD = 2'd3;

	reg  [1:0]  r_ph;           // IDLE (not addressed), ADDR, WR (taking bytes), RD (sending bytes)
	reg  [3:0]  r_bit;          // SCL rises of the byte so far: 8 data bits, then the acknowledge
	reg  [7:0]  r_sh;           // bits taken, or the byte being sent
	reg         r_mack;         // the master acknowledged the byte sent
	reg         r_scl_p, r_sda_p;
	reg  [7:0]  r_ptr, r_msb;
	reg  [1:0]  r_nbytes;       // write: pointer, MSB, LSB; read: MSB (0) or LSB (1) next
	reg  [15:0] r_config, r_cal, r_mask, r_alert;

	wire w_rise = i_scl && !r_scl_p;
	wire w_fall = !i_scl && r_scl_p;
	wire w_start = i_scl && r_scl_p && !i_sda && r_sda_p;
	wire w_stop = i_scl && r_scl_p && i_sda && !r_sda_p;

	// current and power from the inputs and the calibration
	wire signed [31:0] w_prod = $signed({{16{i_shunt[15]}}, i_shunt}) * $signed({16'd0, r_cal});
	wire [15:0] w_current = w_prod[26:11];
	wire [31:0] w_mag = w_current[15] ? (32'h10000 - {16'd0, w_current}) : {16'd0, w_current};
	wire [31:0] w_pw = (w_mag * {16'd0, i_bus}) / 32'd20000;

	function [15:0] reg_value;
		input [7:0] p;
		case (p)
		8'h00: reg_value = r_config;
		8'h01: reg_value = i_shunt;
		8'h02: reg_value = i_bus;
		8'h03: reg_value = w_pw[15:0];
		8'h04: reg_value = w_current;
		8'h05: reg_value = r_cal;
		8'h06: reg_value = r_mask;
		8'h07: reg_value = r_alert;
		8'hFE: reg_value = 16'h5449;
		8'hFF: reg_value = 16'h2260;
		default: reg_value = 16'h0000;
		endcase
	endfunction
	wire [15:0] w_reg = reg_value(r_ptr);
	// the byte a read sends next
	wire [7:0] w_next = r_nbytes[0] ? w_reg[7:0] : w_reg[15:8];

	// drives: the line history
	always @(posedge i_clk) begin
		r_scl_p <= i_scl;
		r_sda_p <= i_sda;
	end

	// drives: the slave's state, SDA, and the registers
	always @(posedge i_clk)
		if (i_reset) begin
			r_ph <= P_IDLE;
			r_bit <= 4'd0;
			o_sda_oe <= 1'b0;
			r_nbytes <= 2'd0;
			r_ptr <= 8'd0;
			r_config <= 16'h4127;
			r_cal <= 16'd0;
			r_mask <= 16'd0;
			r_alert <= 16'd0;
		end else if (w_start) begin
			r_ph <= P_ADDR;
			r_bit <= 4'd0;
			r_nbytes <= 2'd0;
			o_sda_oe <= 1'b0;
		end else if (w_stop) begin
			r_ph <= P_IDLE;
			r_nbytes <= 2'd0;
			o_sda_oe <= 1'b0;
		end else if (w_rise && r_ph != P_IDLE) begin
			r_bit <= r_bit + 4'd1;
			if (r_bit < 4'd8 && r_ph != P_RD)
				r_sh <= {r_sh[6:0], i_sda};
			if (r_bit == 4'd8 && r_ph == P_RD)
				r_mack <= !i_sda;
		end else if (w_fall && r_ph != P_IDLE) begin
			if (r_bit == 4'd8) begin
				if (r_ph == P_ADDR) begin
					// the address: acknowledge it if it is ours
					if (i_present && r_sh[7:1] == ADDR)
						o_sda_oe <= 1'b1;
					else
						r_ph <= P_IDLE;
				end else if (r_ph == P_WR) begin
					o_sda_oe <= 1'b1;
					if (r_nbytes == 2'd0)
						r_ptr <= r_sh;
					else if (r_nbytes == 2'd1)
						r_msb <= r_sh;
					else if (r_nbytes == 2'd2)
						case (r_ptr)
						8'h00: if (r_msb[7]) begin
								r_config <= 16'h4127;
								r_cal <= 16'd0;
								r_mask <= 16'd0;
								r_alert <= 16'd0;
							end else begin
								r_config <= {r_msb, r_sh};
							end
						8'h05: r_cal <= {1'b0, r_msb[6:0], r_sh};
						8'h06: r_mask <= {r_msb, r_sh};
						8'h07: r_alert <= {r_msb, r_sh};
						default: ;
						endcase
					if (r_nbytes != 2'd3)
						r_nbytes <= r_nbytes + 2'd1;
				end else begin
					o_sda_oe <= 1'b0;       // the master's acknowledge bit
				end
			end else if (r_bit == 4'd9) begin
				r_bit <= 4'd0;
				if (r_ph == P_ADDR && r_sh[0]) begin
					r_ph <= P_RD;
					r_sh <= w_next;
					o_sda_oe <= !w_next[7];
					r_nbytes <= {1'b0, !r_nbytes[0]};
				end else if (r_ph == P_ADDR) begin
					r_ph <= P_WR;
					o_sda_oe <= 1'b0;
				end else if (r_ph == P_RD && r_mack) begin
					r_sh <= w_next;
					o_sda_oe <= !w_next[7];
					r_nbytes <= {1'b0, !r_nbytes[0]};
				end else if (r_ph == P_RD) begin
					r_ph <= P_IDLE;         // not acknowledged: the master stops
					o_sda_oe <= 1'b0;
				end else begin
					o_sda_oe <= 1'b0;
				end
			end else if (r_ph == P_RD && r_bit != 4'd0) begin
				r_sh <= {r_sh[6:0], 1'b0};      // the next bit out
				o_sda_oe <= !r_sh[6];
			end
		end

	// the product's bits outside the register, the quotient's above it
	wire w_unused = &{1'b0, w_prod[31:27], w_prod[10:0], w_pw[31:16]};
endmodule
