// SPDX-License-Identifier: GPL-2.0
/*
 * Printable forms of the device address types. Each helper behaves like
 * scnprintf(): it never writes past @len and returns the characters
 * written, the terminating NUL excluded.
 */
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/axas_types.h>

/**
 * axas_width_snprint() - print an access width as "u8", "u16", "u32", "u64"
 * @buf: destination
 * @len: size of @buf
 * @w: the width
 *
 * Return: characters written to @buf.
 */
int axas_width_snprint(char *buf, size_t len, enum axas_width w)
{
	if (w > AXAS_WIDTH_64)
		return scnprintf(buf, len, "width(%u)?", (unsigned int)w);
	return scnprintf(buf, len, "u%u", axas_width_bits(w));
}
EXPORT_SYMBOL_GPL(axas_width_snprint);

/**
 * axas_port_snprint() - print an I/O port as "port 0x3f8"
 * @buf: destination
 * @len: size of @buf
 * @port: the port
 *
 * Return: characters written to @buf.
 */
int axas_port_snprint(char *buf, size_t len, u16 port)
{
	return scnprintf(buf, len, "port %#x", port);
}
EXPORT_SYMBOL_GPL(axas_port_snprint);

/**
 * axas_port_range_snprint() - print a port range as "port [0x3f8, 0x3ff]"
 * @buf: destination
 * @len: size of @buf
 * @r: the inclusive range
 *
 * Return: characters written to @buf.
 */
int axas_port_range_snprint(char *buf, size_t len,
			    const struct axas_port_range *r)
{
	return scnprintf(buf, len, "port [%#x, %#x]", r->first, r->last);
}
EXPORT_SYMBOL_GPL(axas_port_range_snprint);

/**
 * axas_sysreg_snprint() - print a system-register address as "sysreg 0x..."
 * @buf: destination
 * @len: size of @buf
 * @addr: the address
 *
 * Return: characters written to @buf.
 */
int axas_sysreg_snprint(char *buf, size_t len, unsigned long addr)
{
	return scnprintf(buf, len, "sysreg %#lx", addr);
}
EXPORT_SYMBOL_GPL(axas_sysreg_snprint);

/**
 * axas_sysreg_range_snprint() - print "sysreg [0x..., 0x...]"
 * @buf: destination
 * @len: size of @buf
 * @r: the inclusive range
 *
 * Return: characters written to @buf.
 */
int axas_sysreg_range_snprint(char *buf, size_t len,
			      const struct axas_sysreg_range *r)
{
	return scnprintf(buf, len, "sysreg [%#lx, %#lx]", r->first, r->last);
}
EXPORT_SYMBOL_GPL(axas_sysreg_range_snprint);

/**
 * axas_gpa_range_snprint() - print "gpa [0x1000, 0x3000)"
 * @buf: destination
 * @len: size of @buf
 * @r: the half-open range
 *
 * Return: characters written to @buf.
 */
int axas_gpa_range_snprint(char *buf, size_t len,
			   const struct axas_gpa_range *r)
{
	return scnprintf(buf, len, "gpa [%#llx, %#llx)", r->start, r->end);
}
EXPORT_SYMBOL_GPL(axas_gpa_range_snprint);
