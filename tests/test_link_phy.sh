#!/usr/bin/env bash
# test_link_phy.sh: the link's physical layer: the UART pair (build/bin/tb_uart: loopback at five
# divisors, back-to-back throughput, 2% rate mismatch, stop-bit flips, the receiver alone), the SPI
# slave against a bit-level host (build/bin/tb_spi: writes, chunked reads, unknown commands, CS cut
# mid-byte, resets, a full FIFO, SCK at a quarter of the core clock), the CRC-32 against zlib
# (build/bin/tb_crc32), and the formal proofs of mmf_uart_tx, mmf_uart_rx and mmf_crc32 (the SPI
# slave's are in test_formal.sh); then three mutants (a transmitter whose start bit is a cycle too
# long, a receiver whose byte pulse holds itself, an SPI slave that takes a byte from its FIFO in a
# length byte) that the prover must refute. Builds the testbenches if they are missing or stale.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0

step() {  # step NAME COMMAND...: one check, its output kept
	local name=$1; shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $name"
	fi
}

refuted() {  # refuted FILE SED TOP PARAM=VALUE...: the mutant of rtl/FILE must fail its proof
	local file=$1 expr=$2 top=$3 tmp log how; shift 2
	tmp=$(mktemp -d)
	cp rtl/*.v rtl/*.vh "$tmp/"
	sed -i "$expr" "$tmp/$file"
	if cmp -s "rtl/$file" "$tmp/$file"; then
		echo "mutant of $file: the edit did not apply"
		rm -rf "$tmp"
		return 1
	fi
	if RTL_DIR="$tmp" scripts/prove.sh "$@" >/dev/null 2>&1; then
		echo "mutant of $file ($expr) was NOT refuted"
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp"
	shift
	log="build/formal/${top}_${*// /_}.log"
	how="not inductive within 12 steps"
	grep -q "model found for base case" "$log" && how="counterexample trace"
	echo "mutant of $file refuted ($how): $expr"
}

step build make --no-print-directory -s build/bin/tb_uart build/bin/tb_spi build/bin/tb_crc32
step tb_uart build/bin/tb_uart
step tb_spi build/bin/tb_spi
step tb_crc32 build/bin/tb_crc32
step prove-tx scripts/prove.sh mmf_uart_tx LG_DIV=3
step prove-tx scripts/prove.sh mmf_uart_tx LG_DIV=7
step prove-rx scripts/prove.sh mmf_uart_rx LG_DIV=3
step prove-rx scripts/prove.sh mmf_uart_rx LG_DIV=7
step prove-crc scripts/prove.sh mmf_crc32
# a start bit one cycle long (a trace breaks the bit timing); a byte pulse that holds itself (the
# one-cycle property is no longer inductive: a whole frame is longer than the 12 steps prove.sh runs)
step mutant-tx refuted mmf_uart_tx.v "s/			r_cnt <= i_div;/			r_cnt <= i_div + 1'b1;/" mmf_uart_tx LG_DIV=4
step mutant-rx refuted mmf_uart_rx.v "s/o_valid <= (r_state == S_STOP)/o_valid <= (r_state == S_STOP || o_valid)/" \
	mmf_uart_rx LG_DIV=4
# an SPI slave that pops its FIFO at the end of every byte, length bytes too (a READ would send bytes
# it never announced)
step mutant-spi refuted mmf_spi_slave.v "s/wire                w_pop = w_end \&\& w_data;/wire w_pop = w_end;/" \
	mmf_spi_slave LG_DEPTH=2

echo "link phy: $passed passed, $failed failed (uart, spi and crc32 testbenches, 5 proofs, 3 mutants refuted)"
[ "$failed" -eq 0 ]
