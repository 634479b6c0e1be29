/*
 * ina226_model.c: the INA226's I2C slave side and registers (see ina226_model.h), twin of
 * sim/ina226_model.v. A MODEL of the part for tests, not the part.
 */
#include "ina226_model.h"

enum {
	WRITABLE_CAL = 0x7FFF,      /* calibration bit 15 is reserved: reads 0 */
	CONFIG_RST = 0x8000,        /* config bit 15: reset every register */
	CUR_SHIFT = 11,             /* current = shunt x cal / 2048 */
	POWER_DIV = 20000,          /* power = current x bus / 20000 */
};

static void regs_reset(ina226_model_t *m)
{
	m->config = INA226_CONFIG_RESET;
	m->cal = 0;
	m->mask = 0;
	m->alert = 0;
}

void ina226_model_init(ina226_model_t *m, uint16_t shunt_in, uint16_t bus_in)
{
	m->shunt_in = shunt_in;
	m->bus_in = bus_in;
	regs_reset(m);
	m->ptr = 0;
	m->selected = m->reading = m->nbytes = m->msb = 0;
}

/* shunt x cal / 2048: bits 26..11 of the signed product (the register keeps 16 bits) */
static uint16_t current_reg(const ina226_model_t *m)
{
	int32_t p = (int32_t)(int16_t)m->shunt_in * (int32_t)m->cal;

	return (uint16_t)(((uint32_t)p >> CUR_SHIFT) & 0xFFFFu);
}

/* |current| x bus / 20000, 16 bits */
static uint16_t power_reg(const ina226_model_t *m)
{
	uint16_t c = current_reg(m);
	uint32_t mag = (c & 0x8000u) ? (uint32_t)(0x10000u - c) : c;

	return (uint16_t)((mag * m->bus_in / POWER_DIV) & 0xFFFFu);
}

uint16_t ina226_model_reg(const ina226_model_t *m, uint8_t ptr)
{
	switch (ptr) {
	case INA226_CONFIG: return m->config;
	case INA226_SHUNT: return m->shunt_in;
	case INA226_BUS: return m->bus_in;
	case INA226_POWER: return power_reg(m);
	case INA226_CURRENT: return current_reg(m);
	case INA226_CAL: return m->cal;
	case INA226_MASK: return m->mask;
	case INA226_ALERT: return m->alert;
	case INA226_MFR_ID: return INA226_MFR_VALUE;
	case INA226_DIE_ID: return INA226_DIE_VALUE;
	default: return 0;
	}
}

static void reg_write(ina226_model_t *m, uint8_t ptr, uint16_t v)
{
	if (ptr == INA226_CONFIG) {
		if (v & CONFIG_RST)
			regs_reset(m);
		else
			m->config = v;
	} else if (ptr == INA226_CAL) {
		m->cal = (uint16_t)(v & WRITABLE_CAL);
	} else if (ptr == INA226_MASK) {
		m->mask = v;
	} else if (ptr == INA226_ALERT) {
		m->alert = v;
	}
}

void ina226_model_start(ina226_model_t *m, uint8_t addr_rw)
{
	m->selected = 1;
	m->reading = addr_rw & 1u;
	m->nbytes = 0;
}

void ina226_model_write(ina226_model_t *m, uint8_t b)
{
	if (!m->selected || m->reading)
		return;
	if (m->nbytes == 0)
		m->ptr = b;
	else if (m->nbytes == 1)
		m->msb = b;
	else if (m->nbytes == 2)
		reg_write(m, m->ptr, (uint16_t)((m->msb << 8) | b));
	if (m->nbytes < 3)
		m->nbytes++;            /* bytes past the LSB are acknowledged and ignored */
}

uint8_t ina226_model_read(ina226_model_t *m)
{
	uint16_t v = ina226_model_reg(m, m->ptr);
	uint8_t b = (m->nbytes & 1u) ? (uint8_t)(v & 0xFFu) : (uint8_t)(v >> 8);

	m->nbytes = (uint8_t)((m->nbytes + 1u) & 1u);
	return b;
}

void ina226_model_stop(ina226_model_t *m)
{
	m->selected = 0;
	m->reading = 0;
	m->nbytes = 0;
}
