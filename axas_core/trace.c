// SPDX-License-Identifier: GPL-2.0
/*
 * The one place the tracepoints of include/trace/events/axas.h are
 * defined; every other file only includes the header.
 */
#define CREATE_TRACE_POINTS
#include <trace/events/axas.h>
