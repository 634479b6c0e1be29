// usb_ft245.cpp: sim/vboard_ft245.v under Verilator with the FT2232H's side of its bus, for the emulated
// chip of usb_emu.c (see usb_ft245.h). The clocks and the chip's pins are those of tb_soc -DTB_FT245
// (sim/ft245_clocks.h), so the SoC sees the bus exactly as in that testbench; the INA226 model on its
// I2C lines reads what the in-process `sim` board's does.
#include <memory>
#include <new>

#include "Vvboard_ft245.h"
#include "ft245_clocks.h"
#include "testb.h"

extern "C" {
#include "mmfree.h"
#include "transport_sim.h"
#include "usb_ft245.h"
}

namespace {

const uint64_t CORE_FS = 20833333;     // 48 MHz
const uint64_t BUS_FS = 16666667;      // 60 MHz
const int RESET_CYCLES = 4;
const int BOOT_CYCLES = 64;            // the board's reset runs out after configuration, as in tb_soc

} // namespace

struct usb_ft245 {
	Testb<Vvboard_ft245> tb;           // the model, its context and trace window (unused)
	mmf_ft245_chip_t chip;             // the FT2232H's side of the bus
	Ft245Clocks<Vvboard_ft245> clocks; // the two clocks, the chip clocked on CLKOUT

	explicit usb_ft245(char **argv) : tb(1, argv), clocks(tb, &chip) {}
};

extern "C" int usb_ft245_open(usb_ft245 **out, uint64_t seed)
{
	static char name[] = "mmfree-vboard";
	static char *argv[] = { name, nullptr };
	usb_ft245 *b = new (std::nothrow) usb_ft245(argv);

	if (!b)
		return -1;
	auto *t = b->tb.top.get();
	mmf_ft245_chip_init(&b->chip, seed * 2654435761u + 1);
	t->i_rxf_n = 1;
	t->i_txe_n = 1;
	t->i_ina_present = 1;
	t->i_ina_shunt = (uint16_t)(MMFI_SIM_INA_SHUNT_UV * 2 / 5);  // 2.5 uV per LSB
	t->i_ina_bus = (uint16_t)(MMFI_SIM_INA_BUS_MV * 4 / 5);      // 1.25 mV per LSB
	b->clocks.set_clocks(CORE_FS, BUS_FS, (seed * 0x9E3779B97F4A7C15ull >> 11) % BUS_FS);
	b->clocks.reset(RESET_CYCLES);
	for (int i = 0; i < BOOT_CYCLES; i++)
		b->clocks.tick();
	*out = b;
	return 0;
}

extern "C" mmf_ft245_chip_t *usb_ft245_chip(usb_ft245 *b)
{
	return &b->chip;
}

extern "C" void usb_ft245_run(usb_ft245 *b, uint32_t cycles)
{
	for (uint32_t i = 0; i < cycles; i++)
		b->clocks.tick();
}

extern "C" uint64_t usb_ft245_cycles(const usb_ft245 *b)
{
	return b->tb.cycle;
}

extern "C" uint64_t usb_ft245_bus_cycles(const usb_ft245 *b)
{
	return b->clocks.ft_cycles;
}

extern "C" void usb_ft245_close(usb_ft245 *b)
{
	delete b;
}
