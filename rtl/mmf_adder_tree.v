`default_nettype none
// mmf_adder_tree: pipelined binary adder tree, sum of N signed inputs, with a side-band tag that
// leaves with its sum.
//
// Purpose: the reduction stage every engine shares. Node widths grow by one bit per level, so no bit
// is ever dropped and none is wasted; registers sit every REG_EVERY levels and at the root.
//
// Parameters:
//   N          number of inputs (lanes or groups), at least 1
//   WL         width of each signed input
//   TW         width of the tag carried alongside (valid, row end, ...)
//   REG_EVERY  levels of adders between pipeline registers (1 = register every level)
//   OPT_REG_IN 1: register the inputs too (when the inputs come from logic, e.g. a lane's select)
//   The output width is WL + LG_P where LG_P = ceil(log2(N)) (at least 1); the latency in cycles is
//   ceil(LG_P / REG_EVERY) + OPT_REG_IN.
//
// Reset: the tag registers (they carry valid bits); sums are data and are not reset.
module mmf_adder_tree #(
	parameter N = 8,
	parameter WL = 9,
	parameter TW = 1,
	parameter REG_EVERY = 2,
	parameter OPT_REG_IN = 0
) (
	input  wire                  i_clk,
	input  wire                  i_reset,   // clears the tag only
	input  wire                  i_ce,      // pipeline advance
	// in
	input  wire [N*WL-1:0]       i_data,    // N signed values, input j at [j*WL +: WL]
	input  wire [TW-1:0]         i_tag,
	// out
	output wire [WL+LG_P-1:0]    o_sum,     // signed sum
	output wire [TW-1:0]         o_tag
);
	function integer clog2;
		input integer v;
		integer r;
		begin
			r = 0;
			while ((1 << r) < v)
				r = r + 1;
			clog2 = r;
		end
	endfunction

	function integer flog2;
		input integer v;
		integer r;
		begin
			r = 0;
			while ((2 << r) <= v)
				r = r + 1;
			flog2 = r;
		end
	endfunction

	localparam LG_P = (N < 2) ? 1 : clog2(N);
	localparam P = 1 << LG_P;
	localparam W = WL + LG_P;       // widest node, the root

	// Nodes in heap order: node 1 is the root, node i adds 2i and 2i+1, leaves are P..2P-1.
	// Every node is stored sign-extended to W bits; a node at height h uses its low WL+h bits.
	// Node 0 and the high bits of narrow nodes are never read.
	/* verilator lint_off UNUSEDSIGNAL */
	wire [2*P*W-1:0] w_node /* verilator split_var */;
	/* verilator lint_on UNUSEDSIGNAL */
	assign w_node[0 +: W] = {W{1'b0}};

	genvar gi, gh;
	generate
		for (gi = P; gi < 2 * P; gi = gi + 1) begin : gen_leaf
			if (gi - P < N && OPT_REG_IN != 0) begin : gen_in_reg
				reg [WL-1:0] r_in;
				// drives: this input's register
				always @(posedge i_clk)
					if (i_ce)
						r_in <= i_data[(gi-P)*WL +: WL];
				assign w_node[gi*W +: W] = {{(W-WL){r_in[WL-1]}}, r_in};
			end else if (gi - P < N) begin : gen_in
				assign w_node[gi*W +: W] = {{(W-WL){i_data[(gi-P)*WL+WL-1]}}, i_data[(gi-P)*WL +: WL]};
			end else begin : gen_pad
				assign w_node[gi*W +: W] = {W{1'b0}};
			end
		end

		for (gi = 1; gi < P; gi = gi + 1) begin : gen_node
			localparam H = LG_P - flog2(gi);     // height above the leaves
			localparam NW = WL + H;              // this node's width
			wire [NW-1:0] w_sum = w_node[2*gi*W +: NW] + w_node[(2*gi+1)*W +: NW];

			if ((H % REG_EVERY) == 0 || H == LG_P) begin : gen_reg
				reg [NW-1:0] r_sum;
				// drives: this node's pipeline register
				always @(posedge i_clk)
					if (i_ce)
						r_sum <= w_sum;
				assign w_node[gi*W +: W] = {{(W-NW){r_sum[NW-1]}}, r_sum};
			end else begin : gen_comb
				assign w_node[gi*W +: W] = {{(W-NW){w_sum[NW-1]}}, w_sum};
			end
		end

		// The tag takes one register at each registered height.
		wire [(LG_P+1)*TW-1:0] w_tag /* verilator split_var */;
		if (OPT_REG_IN != 0) begin : gen_tag_in
			reg [TW-1:0] r_tag_in;
			// drives: the tag's register beside the registered inputs
			always @(posedge i_clk)
				if (i_reset)
					r_tag_in <= {TW{1'b0}};
				else if (i_ce)
					r_tag_in <= i_tag;
			assign w_tag[0 +: TW] = r_tag_in;
		end else begin : gen_tag_in
			assign w_tag[0 +: TW] = i_tag;
		end
		for (gh = 1; gh <= LG_P; gh = gh + 1) begin : gen_tag
			if ((gh % REG_EVERY) == 0 || gh == LG_P) begin : gen_reg
				reg [TW-1:0] r_tag;
				// drives: the tag's pipeline register at this height
				always @(posedge i_clk)
					if (i_reset)
						r_tag <= {TW{1'b0}};
					else if (i_ce)
						r_tag <= w_tag[(gh-1)*TW +: TW];
				assign w_tag[gh*TW +: TW] = r_tag;
			end else begin : gen_comb
				assign w_tag[gh*TW +: TW] = w_tag[(gh-1)*TW +: TW];
			end
		end
		assign o_tag = w_tag[LG_P*TW +: TW];
	endgenerate

	assign o_sum = w_node[1*W +: W];
endmodule
