// SPDX-License-Identifier: GPL-2.0-or-later
#include "export/prom_families.h"

#include <string.h>

#define G PROM_GAUGE
#define C PROM_COUNTER

/* The interface counters of `ifaces`, from IFLA_STATS64 (rtnetlink), per interface. */
#define IFACE(what, help_text)                                        \
	{                                                             \
		"connmon_iface_" what "_total", C, "iface", help_text \
	}

const struct prom_family prom_families[] = {
	{ "connmon_tcp_sockets", G, "state",
	  "TCP sockets by state (ss's states in lower case with _, e.g. time_wait)." },
	{ "connmon_tcp_port_sockets", G, "port,state",
	  "TCP sockets by local listening port and state; the busiest ports, the rest summed in "
	  "port=\"other\"." },
	{ "connmon_tcp_peer_sockets", G, "addr,state",
	  "TCP sockets by remote address and state; the busiest addresses, the rest summed in "
	  "addr=\"other\"." },
	{ "connmon_sockets", G, "proto,family", "Sockets by protocol and address family." },
	{ "connmon_sockstat", G, "proto,field",
	  "Socket accounting of /proc/net/sockstat and sockstat6, fields as the kernel names them "
	  "(inuse, orphan, tw, alloc; mem in pages)." },
	{ "connmon_listen_queue", G, "port",
	  "Connections waiting in the accept queue of the listener on port." },
	{ "connmon_listen_backlog", G, "port",
	  "Capacity of the accept queue (backlog) of the listener on port." },
	{ "connmon_process_close_wait_sockets", G, "pid,comm",
	  "TCP sockets in CLOSE_WAIT held by a process: the peer has closed, the process not yet." },
	IFACE("rx_bytes", "Bytes received by the interface."),
	IFACE("tx_bytes", "Bytes sent by the interface."),
	IFACE("rx_packets", "Packets received by the interface."),
	IFACE("tx_packets", "Packets sent by the interface."),
	IFACE("rx_errors", "Receive errors of the interface, all kinds."),
	IFACE("tx_errors", "Transmit errors of the interface, all kinds."),
	IFACE("rx_dropped", "Received packets the interface or the kernel dropped."),
	IFACE("tx_dropped", "Packets to send that the interface or the kernel dropped."),
	IFACE("rx_multicast", "Multicast packets received by the interface."),
	IFACE("collisions", "Collisions on the interface's medium."),
	IFACE("rx_frame_errors", "Frames received with alignment errors."),
	IFACE("rx_fifo_errors", "Receive FIFO overruns of the interface."),
	IFACE("tx_fifo_errors", "Transmit FIFO underruns of the interface."),
	IFACE("tx_carrier_errors", "Carrier errors while sending."),
	IFACE("rx_compressed", "Compressed packets received."),
	IFACE("tx_compressed", "Compressed packets sent."),
	{ "connmon_iface_speed_bits_per_second", G, "iface",
	  "Link speed the driver reports, in bits per second; absent when unknown." },
	{ "connmon_netstat_total", C, "counter",
	  "Kernel protocol counters of /proc/net/snmp, netstat and snmp6, named as nstat names "
	  "them (TcpRetransSegs, TcpExtListenOverflows...)." },
	{ "connmon_netstat", G, "counter",
	  "Kernel protocol values that are not counters (TcpCurrEstab...), named as nstat names "
	  "them." },
	{ "connmon_process_rx_bytes_total", C, "pid,comm",
	  "TCP bytes received by a process (tcp_info); the busiest processes, the rest summed in "
	  "comm=\"other\" with pid=\"\"." },
	{ "connmon_process_tx_bytes_total", C, "pid,comm",
	  "TCP bytes sent by a process (tcp_info); the busiest processes, the rest summed in "
	  "comm=\"other\" with pid=\"\"." },
};

const size_t prom_nr_families = sizeof(prom_families) / sizeof(prom_families[0]);

const struct prom_family *prom_family_find(const char *name)
{
	for (size_t i = 0; i < prom_nr_families; i++)
		if (!strcmp(prom_families[i].name, name))
			return &prom_families[i];
	return NULL;
}
