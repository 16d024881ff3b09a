"""gobgpd's configuration as Cilium 1.14's BGP Control Plane (pkg/bgpv1/gobgp) sets up the
GoBGP inside its agent for one CiliumBGPPeeringPolicy neighbor; shared by the tests that
run gobgpd as a Cilium node (tests/interop/gobgp_cilium_test.py in a namespace,
tests/kind/router_image_test.py in a container). core/lab/gobgpd.cpp writes the same for
the lab's --node-speaker gobgpd.
"""


def cilium_gobgpd_toml(asn, router_id, neighbor, peer_as):
    """The TOML for `gobgpd -f`: what Cilium 1.14 sets for the neighbor, except where noted:
     - router-id: the node IP; global port 179 (the listener Cilium opens with the
       local-port annotation); the gRPC API is on this namespace's loopback (command line).
     - both unicast families, as Cilium's default: gobgpd then sends the FQDN and the
       Extended Next Hop capabilities (RFC 8950, <ipv4, nh ipv6>).
     - hold 90 / keepalive 30: Cilium's defaults.
     - connect-retry 5 instead of Cilium's 120: GoBGP 3.10 waits rand(t)+t seconds between
       dials (t = 5 before the first, then the connect-retry), so a dial that fails (the
       router not yet listening, or just restarted) would be retried only after 120-240 s;
       5 keeps every reconnect here within 5-10 s. The first dial still waits 5-10 s.
     - idle-hold-time-after-reset 5 is Cilium's; gobgpd 3.10 loses it on the way from the
       file to its API and uses 30 (`gobgp neighbor -j` shows 30). No scenario here needs a
       reconnect after a reset: a restarted gobgpd is a new process.
     - no global import policy REJECT (Cilium's): the test reads what the router sent in
       `gobgp global rib`.
    """
    return f"""
[global.config]
  as = {asn}
  router-id = "{router_id}"
  port = 179

[[neighbors]]
  [neighbors.config]
    neighbor-address = "{neighbor}"
    peer-as = {peer_as}
  [neighbors.timers.config]
    connect-retry = 5
    hold-time = 90
    keepalive-interval = 30
    idle-hold-time-after-reset = 5
  [neighbors.transport.config]
    passive-mode = false
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
"""
