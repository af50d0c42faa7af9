import ipaddr from 'ipaddr.js';

/**
 * Who a per-address limit counts a socket against. An IPv6 user is handed a
 * whole /64 (one home, one phone), so counting single addresses would let one
 * of them open 2^64 sockets; an IPv4-mapped IPv6 address (::ffff:1.2.3.4, as
 * a dual-stack server sees IPv4 clients) is that IPv4 address.
 */
export function addressGroup(address: string | undefined): string | undefined {
  if (!address || !ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  return ip.kind() === 'ipv6' ? `${ipaddr.IPv6.networkAddressFromCIDR(`${ip}/64`)}/64` : ip.toString();
}
