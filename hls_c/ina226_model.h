/*
 * ina226_model.h: a TI INA226 current and power monitor as its I2C slave side, a MODEL for tests and
 * the virtual board (not a driver): the twin of sim/ina226_model.v, byte for byte. Its shunt and bus
 * readings are inputs the harness sets; current and power follow from them and the calibration as
 * the data sheet computes them.
 *
 * Registers (16 bits, sent MSB first): 0x00 config, 0x01 shunt voltage (2.5 uV/LSB, signed), 0x02 bus
 * voltage (1.25 mV/LSB), 0x03 power, 0x04 current, 0x05 calibration, 0x06 mask/enable, 0x07 alert
 * limit, 0xFE manufacturer id (0x5449, "TI"), 0xFF die id (0x2260). Any other pointer reads 0.
 * A write is the pointer, then a register's MSB and LSB; a read returns the pointed register's MSB,
 * LSB, MSB, ... (no auto-increment, as on the part).
 */
#ifndef INA226_MODEL_H
#define INA226_MODEL_H

#include "mmf_hls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The part's constants (INA226 data sheet, SBOS547). */
enum ina226_reg {
	INA226_CONFIG = 0x00,       /* averaging, conversion times, mode; bit 15 resets */
	INA226_SHUNT = 0x01,        /* shunt voltage, 2.5 uV per LSB, two's complement */
	INA226_BUS = 0x02,          /* bus voltage, 1.25 mV per LSB */
	INA226_POWER = 0x03,        /* current x bus / 20000, 25 x current LSB per LSB */
	INA226_CURRENT = 0x04,      /* shunt x calibration / 2048, the current LSB the host chose */
	INA226_CAL = 0x05,          /* calibration, 15 bits */
	INA226_MASK = 0x06,         /* alert mask/enable */
	INA226_ALERT = 0x07,        /* alert limit */
	INA226_MFR_ID = 0xFE,       /* manufacturer id */
	INA226_DIE_ID = 0xFF,       /* die id */
};
enum {
	INA226_CONFIG_RESET = 0x4127, /* average 1, 1.1 ms bus and shunt conversions, continuous */
	INA226_MFR_VALUE = 0x5449,  /* "TI" */
	INA226_DIE_VALUE = 0x2260,
	INA226_ADDR_DEFAULT = 0x40, /* A1 = A0 = GND */
};

typedef struct {
	/* inputs: what the part measures (set by the harness) */
	uint16_t shunt_in;          /* shunt voltage register value (signed, 2.5 uV) */
	uint16_t bus_in;            /* bus voltage register value (1.25 mV) */
	/* registers */
	uint16_t config, cal, mask, alert;
	/* the I2C slave */
	uint8_t ptr;                /* register pointer */
	uint8_t selected;           /* addressed since the last START */
	uint8_t reading;            /* addressed for a read */
	uint8_t nbytes;             /* bytes of this transfer so far (write: pointer, MSB, LSB) */
	uint8_t msb;                /* written MSB, kept for the LSB */
} ina226_model_t;

void ina226_model_init(ina226_model_t *m, uint16_t shunt_in, uint16_t bus_in);
/* A register as the part reads it now. */
uint16_t ina226_model_reg(const ina226_model_t *m, uint8_t ptr);
/* After START: this device is addressed (addr_rw is the address byte); the caller has matched the
 * address. */
void ina226_model_start(ina226_model_t *m, uint8_t addr_rw);
/* A byte written to the selected device (it always acknowledges). */
void ina226_model_write(ina226_model_t *m, uint8_t b);
/* The next byte read from the selected device. */
uint8_t ina226_model_read(ina226_model_t *m);
void ina226_model_stop(ina226_model_t *m);

#ifdef __cplusplus
}
#endif

#endif
