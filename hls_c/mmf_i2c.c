/*
 * mmf_i2c.c: the I2C bus with its devices, and the transfer of the SoC's I2C command (mmf_i2c.h).
 */
#include "mmf_i2c.h"

void mmf_i2c_bus_init(mmf_i2c_bus_t *bus, uint8_t present, uint8_t addr, uint16_t shunt_in,
		      uint16_t bus_in)
{
	bus->ina_present = present ? 1u : 0u;
	bus->ina_addr = (uint8_t)(addr & 0x7Fu);
	ina226_model_init(&bus->ina, shunt_in, bus_in);
}

uint8_t mmf_i2c_start(mmf_i2c_bus_t *bus, uint8_t addr_rw)
{
	ina226_model_stop(&bus->ina);   /* a START ends whatever the device was doing */
	if (!bus->ina_present || (addr_rw >> 1) != bus->ina_addr)
		return 0;
	ina226_model_start(&bus->ina, addr_rw);
	return 1;
}

uint8_t mmf_i2c_write(mmf_i2c_bus_t *bus, uint8_t b)
{
	if (!bus->ina.selected || bus->ina.reading)
		return 0;
	ina226_model_write(&bus->ina, b);
	return 1;
}

uint8_t mmf_i2c_read(mmf_i2c_bus_t *bus)
{
	if (!bus->ina.selected || !bus->ina.reading)
		return 0xFF;            /* nobody drives SDA: the pull-up */
	return ina226_model_read(&bus->ina);
}

void mmf_i2c_stop(mmf_i2c_bus_t *bus)
{
	ina226_model_stop(&bus->ina);
}

uint8_t mmf_i2c_xfer(mmf_i2c_bus_t *bus, uint8_t addr, const uint8_t *w, uint32_t nw, uint8_t *r,
		     uint32_t nr)
{
	uint8_t res = MMF_I2C_OK;
	uint32_t i;

	for (i = 0; i < MMF_I2C_MAX_READ; i++)
		if (i < nr)
			r[i] = 0;
	if (nw > 0 || nr == 0) {
		if (!mmf_i2c_start(bus, (uint8_t)(addr << 1)))
			res = MMF_I2C_NAK_ADDR;
		for (i = 0; i < MMF_I2C_MAX_WRITE; i++)
			if (res == MMF_I2C_OK && i < nw && !mmf_i2c_write(bus, w[i]))
				res = MMF_I2C_NAK_DATA;
	}
	if (res == MMF_I2C_OK && nr > 0) {
		if (!mmf_i2c_start(bus, (uint8_t)((addr << 1) | 1u)))
			res = MMF_I2C_NAK_ADDR;
		for (i = 0; i < MMF_I2C_MAX_READ; i++)
			if (res == MMF_I2C_OK && i < nr)
				r[i] = mmf_i2c_read(bus);
	}
	mmf_i2c_stop(bus);
	return res;
}
