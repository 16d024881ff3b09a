// The lab's data plane stand-ins, on Boost.Asio (HTTP itself on Boost.Beast):
//
//   HttpResponder  an nginx pod (http_responder.h): answers every request with 200 and a
//                  body that names the pod.
//   TcpProxy       a LoadBalancer IP on a node (http_relay.h): relays bytes to a backend pod
//                  chosen round robin.
//   HttpGet        the probe `verify` uses (http_probe.h): one GET from inside a namespace.
//
//   client --TCP--> TcpProxy (node netns, LB_IP:80) --TCP--> HttpResponder (pod netns, :80)
//
// Include the one you use; this header includes all three.
#pragma once

#include "core/lab/http_probe.h"
#include "core/lab/http_relay.h"
#include "core/lab/http_responder.h"
