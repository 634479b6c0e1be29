/*
 * mmf_i2c.h: the SoC's I2C side in C: a bus with the devices on it (an INA226 model at one address),
 * driven byte by byte (START with an address, write, read, STOP), and the one transfer the I2C command
 * of docs/protocol.md makes of it. Twin of rtl/mmf_i2c_xfer.v over rtl/mmf_i2c_master.v, at the level
 * of bytes and acknowledges (the RTL's bit timing has no counterpart here).
 */
#ifndef MMF_I2C_H
#define MMF_I2C_H

#include "ina226_model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MMF_I2C_MAX_WRITE = 3,      /* bytes one transfer writes (an INA226 register: pointer, MSB, LSB) */
	MMF_I2C_MAX_READ = 4,       /* bytes one transfer reads */
};

/* The outcome byte of a transfer (answer data byte 0 of the I2C command). */
enum mmf_i2c_result {
	MMF_I2C_OK = 0,             /* every byte acknowledged */
	MMF_I2C_NAK_ADDR = 1,       /* no device acknowledged the address */
	MMF_I2C_NAK_DATA = 2,       /* the device did not acknowledge a written byte */
};

/* The bus: what answers on it. */
typedef struct {
	uint8_t ina_present;        /* an INA226 model is on the bus */
	uint8_t ina_addr;           /* at this 7-bit address */
	ina226_model_t ina;         /* its state */
} mmf_i2c_bus_t;

/* The bus with an INA226 at addr (present != 0) reading shunt_in and bus_in, or with nothing on it. */
void mmf_i2c_bus_init(mmf_i2c_bus_t *bus, uint8_t present, uint8_t addr, uint16_t shunt_in,
		      uint16_t bus_in);
/* START (or repeated START) and the address byte; 1 if a device acknowledged it. */
uint8_t mmf_i2c_start(mmf_i2c_bus_t *bus, uint8_t addr_rw);
/* One byte written; 1 if acknowledged. */
uint8_t mmf_i2c_write(mmf_i2c_bus_t *bus, uint8_t b);
/* One byte read (the master's acknowledge follows it; a device with nothing selected reads 0xFF). */
uint8_t mmf_i2c_read(mmf_i2c_bus_t *bus);
void mmf_i2c_stop(mmf_i2c_bus_t *bus);

/* The I2C command's transfer: when nw > 0 or nr == 0, START, addr+W and the nw bytes of w; when
 * nr > 0, a (repeated) START, addr+R and nr bytes into r (acknowledged but the last); STOP. A byte
 * not acknowledged ends the transfer at once with STOP; r is zero past what was read. Returns enum
 * mmf_i2c_result. nw <= MMF_I2C_MAX_WRITE, nr <= MMF_I2C_MAX_READ. */
uint8_t mmf_i2c_xfer(mmf_i2c_bus_t *bus, uint8_t addr, const uint8_t *w, uint32_t nw, uint8_t *r,
		     uint32_t nr);

#ifdef __cplusplus
}
#endif

#endif
