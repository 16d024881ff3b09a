// Tests for bgp/fsm: the RFC 4271 §8.2.2 (state x event) matrix, the key transitions, and
// the project's choices (idle-hold backoff, hold time 0, keepalive, passive, shutdown text,
// ConnectRetryCounter).
#include "bgp/fsm.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bgp/wire/update.h"

using namespace bgpdemo::bgp;
using wire::Notification;
using wire::NotifyCode;

namespace {

using S = State;
using E = Event;
using K = Action::Kind;

constexpr K kStartCrt = K::kStartConnectRetryTimer;
constexpr K kStopCrt = K::kStopConnectRetryTimer;
constexpr K kStartHold = K::kStartHoldTimer;
constexpr K kStopHold = K::kStopHoldTimer;
constexpr K kStartKa = K::kStartKeepaliveTimer;
constexpr K kStopKa = K::kStopKeepaliveTimer;
constexpr K kStartIdle = K::kStartIdleHoldTimer;
constexpr K kStopIdle = K::kStopIdleHoldTimer;
constexpr K kInitiate = K::kInitiateConnection;
constexpr K kDrop = K::kDropConnection;
constexpr K kOpen = K::kSendOpen;
constexpr K kKeepalive = K::kSendKeepalive;
constexpr K kNotify = K::kSendNotification;
constexpr K kUpdate = K::kProcessUpdate;
constexpr K kRefresh = K::kProcessRouteRefresh;
constexpr K kUp = K::kSessionEstablished;
constexpr K kDown = K::kSessionDown;

// Every event of the FSM, in RFC order.
const std::vector<Event> kAllEvents = {
    E::kManualStart,
    E::kManualStop,
    E::kAutomaticStart,
    E::kManualStartWithPassiveTcpEstablishment,
    E::kAutomaticStartWithPassiveTcpEstablishment,
    E::kAutomaticStop,
    E::kConnectRetryTimerExpires,
    E::kHoldTimerExpires,
    E::kKeepaliveTimerExpires,
    E::kIdleHoldTimerExpires,
    E::kTcpConnectionValid,
    E::kTcpCrInvalid,
    E::kTcpCrAcked,
    E::kTcpConnectionConfirmed,
    E::kTcpConnectionFails,
    E::kBgpOpen,
    E::kBgpHeaderErr,
    E::kBgpOpenMsgErr,
    E::kOpenCollisionDump,
    E::kNotifMsgVerErr,
    E::kNotifMsg,
    E::kKeepAliveMsg,
    E::kUpdateMsg,
    E::kUpdateMsgErr,
    E::kRouteRefreshMsg,
};
const std::vector<State> kAllStates = {S::kIdle,     S::kConnect,     S::kActive,
                                       S::kOpenSent, S::kOpenConfirm, S::kEstablished};

// "a b c" from the kinds of actions, for readable failures.
std::string Kinds(const std::vector<Action>& actions) {
  std::string s;
  for (const auto& a : actions) {
    if (!s.empty()) s += ' ';
    s += ToString(a.kind);
  }
  return s;
}
std::string Kinds(const std::vector<K>& kinds) {
  std::string s;
  for (const auto k : kinds) {
    if (!s.empty()) s += ' ';
    s += ToString(k);
  }
  return s;
}

const Action* Find(const std::vector<Action>& actions, K kind) {
  for (const auto& a : actions) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

bool Has(const std::vector<Action>& actions, K kind) {
  return Find(actions, kind) != nullptr;
}

// Feeds e and checks that the FSM lands in `to`.
std::vector<Action> Step(Fsm& fsm, Event e, State to) {
  auto actions = fsm.Handle(e);
  REQUIRE_MESSAGE(fsm.state() == to, ToString(e), " -> ", ToString(fsm.state()));
  return actions;
}

// An FSM driven into `s` along the documented path (default config unless given):
//   Idle:        a fresh FSM, never started (no automatic restart armed)
//   Connect:     ManualStart
//   Active:      ManualStart_with_PassiveTcpEstablishment (ConnectRetryTimer running)
//   OpenSent:    ManualStart, Tcp_CR_Acked (large hold timer running)
//   OpenConfirm: ... OpenSent, SetNegotiatedHoldTime(90), BGPOpen (hold, keepalive running)
//   Established: ... OpenConfirm, KeepAliveMsg
Fsm Drive(State s, FsmConfig config = {}) {
  Fsm fsm(config);
  if (s == S::kIdle) return fsm;
  if (s == S::kActive) {
    Step(fsm, E::kManualStartWithPassiveTcpEstablishment, S::kActive);
    return fsm;
  }
  Step(fsm, E::kManualStart, config.passive ? S::kActive : S::kConnect);
  if (s == S::kConnect) return fsm;
  Step(fsm, E::kTcpCrAcked, S::kOpenSent);
  if (s == S::kOpenSent) return fsm;
  fsm.SetNegotiatedHoldTime(90);
  Step(fsm, E::kBgpOpen, S::kOpenConfirm);
  if (s == S::kOpenConfirm) return fsm;
  Step(fsm, E::kKeepAliveMsg, S::kEstablished);
  return fsm;
}

// The NOTIFICATION the codec would produce for each codec error event in the matrix.
Notification CodecNotification(Event e) {
  switch (e) {
    case E::kBgpHeaderErr: return {NotifyCode::kMessageHeaderError, 2, {0x00, 0x12}};
    case E::kBgpOpenMsgErr: return {NotifyCode::kOpenMessageError, 2, {}};
    default: return {NotifyCode::kUpdateMessageError, 11, {}};
  }
}

// One row of the matrix: from `from`, event `event` leads to `to` with exactly `actions`;
// code/subcode: the NOTIFICATION sent (code 0: none). Codec errors (21, 22, 28) are fed
// with CodecNotification: 1/2, 2/2, 3/11.
struct Row {
  State from;
  Event event;
  State to;
  std::vector<K> actions;
  int code = 0;
  int subcode = 0;
};

// RFC 4271 §8.2.2 with DelayOpen FALSE, SendNOTIFICATIONwithoutOPEN FALSE,
// CollisionDetectEstablishedState FALSE, damping as idle-hold backoff (see fsm.h).
// Teardowns list: NOTIFICATION, timer stops, drop, session down, idle hold.
// clang-format off
const std::vector<Row> kMatrix = {
    // ---- Idle (fresh): only the starts act; everything else is ignored.
    {S::kIdle, E::kManualStart, S::kConnect, {kStartCrt, kInitiate}},
    {S::kIdle, E::kManualStop, S::kIdle, {}},
    {S::kIdle, E::kAutomaticStart, S::kConnect, {kStartCrt, kInitiate}},
    {S::kIdle, E::kManualStartWithPassiveTcpEstablishment, S::kActive, {kStartCrt}},
    {S::kIdle, E::kAutomaticStartWithPassiveTcpEstablishment, S::kActive, {kStartCrt}},
    {S::kIdle, E::kAutomaticStop, S::kIdle, {}},
    {S::kIdle, E::kConnectRetryTimerExpires, S::kIdle, {}},
    {S::kIdle, E::kHoldTimerExpires, S::kIdle, {}},
    {S::kIdle, E::kKeepaliveTimerExpires, S::kIdle, {}},
    {S::kIdle, E::kIdleHoldTimerExpires, S::kIdle, {}},  // never started: no restart
    {S::kIdle, E::kTcpConnectionValid, S::kIdle, {}},
    {S::kIdle, E::kTcpCrInvalid, S::kIdle, {}},
    {S::kIdle, E::kTcpCrAcked, S::kIdle, {}},
    {S::kIdle, E::kTcpConnectionConfirmed, S::kIdle, {}},
    {S::kIdle, E::kTcpConnectionFails, S::kIdle, {}},
    {S::kIdle, E::kBgpOpen, S::kIdle, {}},
    {S::kIdle, E::kBgpHeaderErr, S::kIdle, {}},
    {S::kIdle, E::kBgpOpenMsgErr, S::kIdle, {}},
    {S::kIdle, E::kOpenCollisionDump, S::kIdle, {}},
    {S::kIdle, E::kNotifMsgVerErr, S::kIdle, {}},
    {S::kIdle, E::kNotifMsg, S::kIdle, {}},
    {S::kIdle, E::kKeepAliveMsg, S::kIdle, {}},
    {S::kIdle, E::kUpdateMsg, S::kIdle, {}},
    {S::kIdle, E::kUpdateMsgErr, S::kIdle, {}},
    {S::kIdle, E::kRouteRefreshMsg, S::kIdle, {}},

    // ---- Connect: starts ignored; 16/17 send OPEN; 18 and the rest go to Idle.
    {S::kConnect, E::kManualStart, S::kConnect, {}},
    {S::kConnect, E::kManualStop, S::kIdle, {kStopCrt, kDrop}},
    {S::kConnect, E::kAutomaticStart, S::kConnect, {}},
    {S::kConnect, E::kManualStartWithPassiveTcpEstablishment, S::kConnect, {}},
    {S::kConnect, E::kAutomaticStartWithPassiveTcpEstablishment, S::kConnect, {}},
    {S::kConnect, E::kAutomaticStop, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kConnectRetryTimerExpires, S::kConnect, {kDrop, kStartCrt, kInitiate}},
    {S::kConnect, E::kHoldTimerExpires, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kKeepaliveTimerExpires, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kIdleHoldTimerExpires, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kTcpConnectionValid, S::kConnect, {}},
    {S::kConnect, E::kTcpCrInvalid, S::kConnect, {}},
    {S::kConnect, E::kTcpCrAcked, S::kOpenSent, {kStopCrt, kOpen, kStartHold}},
    {S::kConnect, E::kTcpConnectionConfirmed, S::kOpenSent, {kStopCrt, kOpen, kStartHold}},
    {S::kConnect, E::kTcpConnectionFails, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kBgpOpen, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kBgpHeaderErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kBgpOpenMsgErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kOpenCollisionDump, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kNotifMsgVerErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kNotifMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kKeepAliveMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kUpdateMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kUpdateMsgErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kConnect, E::kRouteRefreshMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},

    // ---- Active: starts ignored; 9 connects; 16/17 send OPEN; the rest go to Idle.
    {S::kActive, E::kManualStart, S::kActive, {}},
    {S::kActive, E::kManualStop, S::kIdle, {kStopCrt, kDrop}},
    {S::kActive, E::kAutomaticStart, S::kActive, {}},
    {S::kActive, E::kManualStartWithPassiveTcpEstablishment, S::kActive, {}},
    {S::kActive, E::kAutomaticStartWithPassiveTcpEstablishment, S::kActive, {}},
    {S::kActive, E::kAutomaticStop, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kConnectRetryTimerExpires, S::kConnect, {kStartCrt, kInitiate}},
    {S::kActive, E::kHoldTimerExpires, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kKeepaliveTimerExpires, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kIdleHoldTimerExpires, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kTcpConnectionValid, S::kActive, {}},
    {S::kActive, E::kTcpCrInvalid, S::kActive, {}},
    {S::kActive, E::kTcpCrAcked, S::kOpenSent, {kStopCrt, kOpen, kStartHold}},
    {S::kActive, E::kTcpConnectionConfirmed, S::kOpenSent, {kStopCrt, kOpen, kStartHold}},
    {S::kActive, E::kTcpConnectionFails, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kBgpOpen, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kBgpHeaderErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kBgpOpenMsgErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kOpenCollisionDump, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kNotifMsgVerErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kNotifMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kKeepAliveMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kUpdateMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kUpdateMsgErr, S::kIdle, {kStopCrt, kDrop, kStartIdle}},
    {S::kActive, E::kRouteRefreshMsg, S::kIdle, {kStopCrt, kDrop, kStartIdle}},

    // ---- OpenSent: BGPOpen -> OpenConfirm; 18 -> Active; unexpected messages 5/1.
    {S::kOpenSent, E::kManualStart, S::kOpenSent, {}},
    {S::kOpenSent, E::kManualStop, S::kIdle, {kNotify, kStopHold, kDrop}, 6, 2},
    {S::kOpenSent, E::kAutomaticStart, S::kOpenSent, {}},
    {S::kOpenSent, E::kManualStartWithPassiveTcpEstablishment, S::kOpenSent, {}},
    {S::kOpenSent, E::kAutomaticStartWithPassiveTcpEstablishment, S::kOpenSent, {}},
    {S::kOpenSent, E::kAutomaticStop, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 6, 0},
    {S::kOpenSent, E::kConnectRetryTimerExpires, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 5, 1},
    {S::kOpenSent, E::kHoldTimerExpires, S::kIdle, {kNotify, kDrop, kStartIdle}, 4, 0},
    {S::kOpenSent, E::kKeepaliveTimerExpires, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 5, 1},
    {S::kOpenSent, E::kIdleHoldTimerExpires, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 5, 1},
    {S::kOpenSent, E::kTcpConnectionValid, S::kOpenSent, {}},
    {S::kOpenSent, E::kTcpCrInvalid, S::kOpenSent, {}},
    {S::kOpenSent, E::kTcpCrAcked, S::kOpenSent, {}},
    {S::kOpenSent, E::kTcpConnectionConfirmed, S::kOpenSent, {}},
    {S::kOpenSent, E::kTcpConnectionFails, S::kActive, {kStopHold, kDrop, kStartCrt}},
    {S::kOpenSent, E::kBgpOpen, S::kOpenConfirm, {kKeepalive, kStartKa, kStartHold}},
    {S::kOpenSent, E::kBgpHeaderErr, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 1, 2},
    {S::kOpenSent, E::kBgpOpenMsgErr, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 2, 2},
    {S::kOpenSent, E::kOpenCollisionDump, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 6, 7},
    {S::kOpenSent, E::kNotifMsgVerErr, S::kIdle, {kStopHold, kDrop, kStartIdle}},
    {S::kOpenSent, E::kNotifMsg, S::kIdle, {kStopHold, kDrop, kStartIdle}},
    {S::kOpenSent, E::kKeepAliveMsg, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 5, 1},
    {S::kOpenSent, E::kUpdateMsg, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 5, 1},
    {S::kOpenSent, E::kUpdateMsgErr, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 5, 1},
    {S::kOpenSent, E::kRouteRefreshMsg, S::kIdle, {kNotify, kStopHold, kDrop, kStartIdle}, 5, 1},

    // ---- OpenConfirm: KeepAliveMsg -> Established; unexpected messages 5/2.
    {S::kOpenConfirm, E::kManualStart, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kManualStop, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop}, 6, 2},
    {S::kOpenConfirm, E::kAutomaticStart, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kManualStartWithPassiveTcpEstablishment, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kAutomaticStartWithPassiveTcpEstablishment, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kAutomaticStop, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 6, 0},
    {S::kOpenConfirm, E::kConnectRetryTimerExpires, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 5, 2},
    {S::kOpenConfirm, E::kHoldTimerExpires, S::kIdle, {kNotify, kStopKa, kDrop, kStartIdle}, 4, 0},
    {S::kOpenConfirm, E::kKeepaliveTimerExpires, S::kOpenConfirm, {kKeepalive, kStartKa}},
    {S::kOpenConfirm, E::kIdleHoldTimerExpires, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 5, 2},
    {S::kOpenConfirm, E::kTcpConnectionValid, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kTcpCrInvalid, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kTcpCrAcked, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kTcpConnectionConfirmed, S::kOpenConfirm, {}},
    {S::kOpenConfirm, E::kTcpConnectionFails, S::kIdle, {kStopHold, kStopKa, kDrop, kStartIdle}},
    {S::kOpenConfirm, E::kBgpOpen, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 5, 2},
    {S::kOpenConfirm, E::kBgpHeaderErr, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 1, 2},
    {S::kOpenConfirm, E::kBgpOpenMsgErr, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 2, 2},
    {S::kOpenConfirm, E::kOpenCollisionDump, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 6, 7},
    {S::kOpenConfirm, E::kNotifMsgVerErr, S::kIdle, {kStopHold, kStopKa, kDrop, kStartIdle}},
    {S::kOpenConfirm, E::kNotifMsg, S::kIdle, {kStopHold, kStopKa, kDrop, kStartIdle}},
    {S::kOpenConfirm, E::kKeepAliveMsg, S::kEstablished, {kStartHold, kUp}},
    {S::kOpenConfirm, E::kUpdateMsg, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 5, 2},
    {S::kOpenConfirm, E::kUpdateMsgErr, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 5, 2},
    {S::kOpenConfirm, E::kRouteRefreshMsg, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kStartIdle}, 5, 2},

    // ---- Established: KEEPALIVE/UPDATE/ROUTE-REFRESH restart the hold timer; leaving
    // releases the routes (session_down); unexpected events 5/3.
    {S::kEstablished, E::kManualStart, S::kEstablished, {}},
    {S::kEstablished, E::kManualStop, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown}, 6, 2},
    {S::kEstablished, E::kAutomaticStart, S::kEstablished, {}},
    {S::kEstablished, E::kManualStartWithPassiveTcpEstablishment, S::kEstablished, {}},
    {S::kEstablished, E::kAutomaticStartWithPassiveTcpEstablishment, S::kEstablished, {}},
    {S::kEstablished, E::kAutomaticStop, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 6, 0},
    {S::kEstablished, E::kConnectRetryTimerExpires, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 5, 3},
    {S::kEstablished, E::kHoldTimerExpires, S::kIdle, {kNotify, kStopKa, kDrop, kDown, kStartIdle}, 4, 0},
    {S::kEstablished, E::kKeepaliveTimerExpires, S::kEstablished, {kKeepalive, kStartKa}},
    {S::kEstablished, E::kIdleHoldTimerExpires, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 5, 3},
    {S::kEstablished, E::kTcpConnectionValid, S::kEstablished, {}},
    {S::kEstablished, E::kTcpCrInvalid, S::kEstablished, {}},
    {S::kEstablished, E::kTcpCrAcked, S::kEstablished, {}},
    {S::kEstablished, E::kTcpConnectionConfirmed, S::kEstablished, {}},
    {S::kEstablished, E::kTcpConnectionFails, S::kIdle, {kStopHold, kStopKa, kDrop, kDown, kStartIdle}},
    {S::kEstablished, E::kBgpOpen, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 5, 3},
    {S::kEstablished, E::kBgpHeaderErr, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 1, 2},
    {S::kEstablished, E::kBgpOpenMsgErr, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 5, 3},
    {S::kEstablished, E::kOpenCollisionDump, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 6, 7},
    {S::kEstablished, E::kNotifMsgVerErr, S::kIdle, {kStopHold, kStopKa, kDrop, kDown, kStartIdle}},
    {S::kEstablished, E::kNotifMsg, S::kIdle, {kStopHold, kStopKa, kDrop, kDown, kStartIdle}},
    {S::kEstablished, E::kKeepAliveMsg, S::kEstablished, {kStartHold}},
    {S::kEstablished, E::kUpdateMsg, S::kEstablished, {kUpdate, kStartHold}},
    {S::kEstablished, E::kUpdateMsgErr, S::kIdle, {kNotify, kStopHold, kStopKa, kDrop, kDown, kStartIdle}, 3, 11},
    {S::kEstablished, E::kRouteRefreshMsg, S::kEstablished, {kRefresh, kStartHold}},
};
// clang-format on

// Feeds a matrix row's event: codec errors with the codec's NOTIFICATION.
std::vector<Action> Feed(Fsm& fsm, Event e) {
  if (e == E::kBgpHeaderErr || e == E::kBgpOpenMsgErr || e == E::kUpdateMsgErr) {
    return fsm.Handle(e, CodecNotification(e));
  }
  return fsm.Handle(e);
}

// Runs one row and checks the state, the action kinds and the NOTIFICATION.
void CheckRow(const Row& row) {
  Fsm fsm = Drive(row.from);
  const auto actions = Feed(fsm, row.event);
  CHECK(fsm.state() == row.to);
  CHECK(Kinds(actions) == Kinds(row.actions));
  const Action* notify = Find(actions, kNotify);
  if (row.code == 0) {
    CHECK(notify == nullptr);
    return;
  }
  REQUIRE(notify != nullptr);
  REQUIRE(notify->notification.has_value());
  CHECK(static_cast<int>(notify->notification->code) == row.code);
  CHECK(static_cast<int>(notify->notification->subcode) == row.subcode);
}

const Row& MatrixRow(State s, Event e) {
  for (const auto& row : kMatrix) {
    if (row.from == s && row.event == e) return row;
  }
  const std::string what = std::string(ToString(s)) + " + " + std::string(ToString(e));
  FAIL("no matrix row for " << what);
  return kMatrix.front();
}

}  // namespace

// ---- The whole matrix.

TEST_CASE("fsm: the (state x event) matrix covers every pair exactly once") {
  std::set<std::pair<State, Event>> seen;
  for (const auto& row : kMatrix) {
    CAPTURE(ToString(row.from));
    CAPTURE(ToString(row.event));
    CHECK(seen.insert({row.from, row.event}).second);
  }
  CHECK(seen.size() == kAllStates.size() * kAllEvents.size());
  CHECK(kMatrix.size() == 150);
}

TEST_CASE("fsm: the (state x event) matrix, RFC 4271 §8.2.2 row by row") {
  for (const auto& row : kMatrix) {
    CAPTURE(ToString(row.from));
    CAPTURE(ToString(row.event));
    CheckRow(row);
  }
}

// ---- Key transitions, each with its row of the matrix and the timer values.

TEST_CASE("fsm: Idle + ManualStart -> Connect") {
  CheckRow(MatrixRow(S::kIdle, E::kManualStart));
  Fsm fsm = Drive(S::kIdle);
  const auto actions = fsm.Handle(E::kManualStart);
  CHECK(actions[0].seconds == 120);
  CHECK(fsm.connect_retry_counter() == 0);
}

TEST_CASE("fsm: Idle + ManualStart_with_PassiveTcpEstablishment -> Active") {
  CheckRow(MatrixRow(S::kIdle, E::kManualStartWithPassiveTcpEstablishment));
}

TEST_CASE("fsm: Connect + Tcp_CR_Acked -> OpenSent with the large hold timer") {
  CheckRow(MatrixRow(S::kConnect, E::kTcpCrAcked));
  Fsm fsm = Drive(S::kConnect);
  const auto actions = fsm.Handle(E::kTcpCrAcked);
  CHECK(Find(actions, kStartHold)->seconds == 240);
}

TEST_CASE("fsm: Connect + ConnectRetryTimer_Expires -> Connect, retrying") {
  CheckRow(MatrixRow(S::kConnect, E::kConnectRetryTimerExpires));
}

TEST_CASE("fsm: Connect + TcpConnectionFails -> Idle") {
  CheckRow(MatrixRow(S::kConnect, E::kTcpConnectionFails));
}

TEST_CASE("fsm: Active + ConnectRetryTimer_Expires -> Connect") {
  CheckRow(MatrixRow(S::kActive, E::kConnectRetryTimerExpires));
}

TEST_CASE("fsm: Active + TcpConnectionConfirmed -> OpenSent") {
  CheckRow(MatrixRow(S::kActive, E::kTcpConnectionConfirmed));
}

TEST_CASE("fsm: OpenSent + BGPOpen -> OpenConfirm") {
  CheckRow(MatrixRow(S::kOpenSent, E::kBgpOpen));
  Fsm fsm = Drive(S::kOpenSent);
  fsm.SetNegotiatedHoldTime(90);
  const auto actions = fsm.Handle(E::kBgpOpen);
  CHECK(Find(actions, kStartKa)->seconds == 30);
  CHECK(Find(actions, kStartHold)->seconds == 90);
}

TEST_CASE("fsm: OpenSent + TcpConnectionFails -> Active") {
  CheckRow(MatrixRow(S::kOpenSent, E::kTcpConnectionFails));
}

TEST_CASE("fsm: OpenSent + UpdateMsg -> Idle with FSM error 5/1") {
  CheckRow(MatrixRow(S::kOpenSent, E::kUpdateMsg));
}

TEST_CASE("fsm: OpenSent + BGPOpenMsgErr -> Idle with the codec's NOTIFICATION") {
  CheckRow(MatrixRow(S::kOpenSent, E::kBgpOpenMsgErr));
  Fsm fsm = Drive(S::kOpenSent);
  const Notification bad_as{NotifyCode::kOpenMessageError, 2, {0xfd, 0xe8}};
  const auto actions = fsm.Handle(E::kBgpOpenMsgErr, bad_as);
  CHECK(Find(actions, kNotify)->notification == bad_as);  // data byte-exact
}

TEST_CASE("fsm: OpenSent + HoldTimer_Expires -> Idle with 4/0") {
  CheckRow(MatrixRow(S::kOpenSent, E::kHoldTimerExpires));
}

TEST_CASE("fsm: OpenConfirm + KeepAliveMsg -> Established") {
  CheckRow(MatrixRow(S::kOpenConfirm, E::kKeepAliveMsg));
  Fsm fsm = Drive(S::kOpenConfirm);
  const auto actions = fsm.Handle(E::kKeepAliveMsg);
  CHECK(Find(actions, kStartHold)->seconds == 90);
}

TEST_CASE("fsm: OpenConfirm + UpdateMsg -> Idle with FSM error 5/2") {
  CheckRow(MatrixRow(S::kOpenConfirm, E::kUpdateMsg));
}

TEST_CASE("fsm: OpenConfirm + OpenCollisionDump -> Idle with Cease 6/7") {
  CheckRow(MatrixRow(S::kOpenConfirm, E::kOpenCollisionDump));
}

TEST_CASE("fsm: OpenConfirm + NotifMsg -> Idle, no NOTIFICATION back") {
  CheckRow(MatrixRow(S::kOpenConfirm, E::kNotifMsg));
}

TEST_CASE("fsm: Established + KeepAliveMsg and UpdateMsg restart the hold timer") {
  CheckRow(MatrixRow(S::kEstablished, E::kKeepAliveMsg));
  CheckRow(MatrixRow(S::kEstablished, E::kUpdateMsg));
  Fsm fsm = Drive(S::kEstablished);
  CHECK(fsm.Handle(E::kKeepAliveMsg).at(0).seconds == 90);
  CHECK(fsm.Handle(E::kUpdateMsg).at(1).seconds == 90);
}

TEST_CASE("fsm: Established + UpdateMsg and RouteRefreshMsg carry the message in the action") {
  Fsm fsm = Drive(S::kEstablished);
  const wire::Update update;
  const auto actions = fsm.Handle(E::kUpdateMsg, update);
  REQUIRE(actions.at(0).kind == kUpdate);
  CHECK(actions[0].update == &update);
  const auto refresh = fsm.Handle(E::kRouteRefreshMsg, wire::kIpv6Unicast);
  REQUIRE(refresh.at(0).kind == kRefresh);
  CHECK(refresh[0].family == wire::kIpv6Unicast);
}

TEST_CASE("fsm: Established + BGPOpen -> Idle with FSM error 5/3") {
  CheckRow(MatrixRow(S::kEstablished, E::kBgpOpen));
}

TEST_CASE("fsm: Established + HoldTimer_Expires -> Idle with 4/0") {
  CheckRow(MatrixRow(S::kEstablished, E::kHoldTimerExpires));
}

TEST_CASE("fsm: Established + NotifMsg -> Idle, routes released, no NOTIFICATION back") {
  CheckRow(MatrixRow(S::kEstablished, E::kNotifMsg));
}

TEST_CASE("fsm: Established + UpdateMsgErr -> Idle with the codec's NOTIFICATION") {
  CheckRow(MatrixRow(S::kEstablished, E::kUpdateMsgErr));
}

// ---- The project's choices.

TEST_CASE("fsm: ManualStop in Established sends Cease 6/2 with the shutdown text") {
  Fsm fsm = Drive(S::kEstablished);
  const auto actions = fsm.Handle(E::kManualStop, "maintenance window, back at 14:00");
  CHECK(fsm.state() == S::kIdle);
  CHECK(Kinds(actions) == Kinds({kNotify, kStopHold, kStopKa, kDrop, kDown}));
  const auto& n = *actions[0].notification;
  CHECK(n.code == NotifyCode::kCease);
  CHECK(n.subcode == 2);
  REQUIRE(n.ShutdownText());
  CHECK(*n.ShutdownText() == "maintenance window, back at 14:00");
  CHECK(fsm.connect_retry_counter() == 0);
  // No automatic restart after the operator's stop.
  CHECK(Step(fsm, E::kIdleHoldTimerExpires, S::kIdle).empty());

  SUBCASE("plain ManualStop: 6/2 without data") {
    Fsm plain = Drive(S::kEstablished);
    const auto a = plain.Handle(E::kManualStop);
    CHECK(a[0].notification->subcode == 2);
    CHECK(a[0].notification->data.empty());
  }
  SUBCASE("the caller's Cease: 6/4 Administrative Reset") {
    Fsm reset = Drive(S::kEstablished);
    const auto n64 =
        Notification::Shutdown(wire::CeaseSubcode::kAdministrativeReset, "config change");
    CHECK(reset.Handle(E::kManualStop, n64)[0].notification == n64);
  }
  SUBCASE("before OPEN nothing is sent") {
    Fsm connect = Drive(S::kConnect);
    CHECK(Kinds(connect.Handle(E::kManualStop, "bye")) == Kinds({kStopCrt, kDrop}));
  }
}

TEST_CASE("fsm: AutomaticStop carries the caller's Cease, e.g. 6/1 max prefixes") {
  Fsm fsm = Drive(S::kEstablished);
  const Notification max_prefix{NotifyCode::kCease, 1, {0, 1, 1, 0, 0, 0x03, 0xe8}};
  const auto actions = fsm.Handle(E::kAutomaticStop, max_prefix);
  CHECK(actions[0].notification == max_prefix);
  CHECK(Has(actions, kStartIdle));  // restarts after the backoff
  CHECK(fsm.connect_retry_counter() == 1);
}

TEST_CASE("fsm: FSM errors and fixed NOTIFICATIONs ignore the caller's") {
  const Notification codec{NotifyCode::kUpdateMessageError, 1, {}};
  Fsm fsm = Drive(S::kOpenConfirm);
  const auto actions = fsm.Handle(E::kUpdateMsgErr, codec);
  CHECK(actions[0].notification->code == NotifyCode::kFsmError);
  CHECK(actions[0].notification->subcode == 2);
}

TEST_CASE("fsm: codec errors fed without a NOTIFICATION send subcode 0") {
  Fsm open_sent = Drive(S::kOpenSent);
  auto a = open_sent.Handle(E::kBgpOpenMsgErr);
  CHECK(a[0].notification->code == NotifyCode::kOpenMessageError);
  CHECK(a[0].notification->subcode == 0);
  Fsm established = Drive(S::kEstablished);
  a = established.Handle(E::kBgpHeaderErr);
  CHECK(a[0].notification->code == NotifyCode::kMessageHeaderError);
  CHECK(a[0].notification->subcode == 0);
  Fsm established2 = Drive(S::kEstablished);
  a = established2.Handle(E::kUpdateMsgErr);
  CHECK(a[0].notification->code == NotifyCode::kUpdateMessageError);
  CHECK(a[0].notification->subcode == 0);
  Fsm established3 = Drive(S::kEstablished);
  a = established3.Handle(E::kAutomaticStop);
  CHECK(a[0].notification->code == NotifyCode::kCease);
  CHECK(a[0].notification->subcode == 0);
}

TEST_CASE("fsm: idle-hold backoff doubles to the cap and resets on Established") {
  FsmConfig config;
  config.idle_hold_time = 5;
  config.max_idle_hold_time = 30;
  Fsm fsm(config);
  Step(fsm, E::kManualStart, S::kConnect);
  CHECK(fsm.idle_hold_time() == 5);
  std::vector<std::uint32_t> waits;
  for (int i = 0; i < 5; ++i) {
    const auto actions = Step(fsm, E::kTcpConnectionFails, S::kIdle);
    REQUIRE(Has(actions, kStartIdle));
    waits.push_back(Find(actions, kStartIdle)->seconds);
    // The FSM restarts itself when the idle hold timer expires.
    CHECK(Kinds(Step(fsm, E::kIdleHoldTimerExpires, S::kConnect)) == Kinds({kStartCrt, kInitiate}));
  }
  CHECK(waits == std::vector<std::uint32_t>{5, 10, 20, 30, 30});
  CHECK(fsm.idle_hold_time() == 30);

  // Established resets the backoff; the next error waits the configured 5 s again.
  Step(fsm, E::kTcpCrAcked, S::kOpenSent);
  Step(fsm, E::kBgpOpen, S::kOpenConfirm);
  CHECK(fsm.idle_hold_time() == 30);
  Step(fsm, E::kKeepAliveMsg, S::kEstablished);
  CHECK(fsm.idle_hold_time() == 5);
  const auto down = Step(fsm, E::kHoldTimerExpires, S::kIdle);
  CHECK(Find(down, kStartIdle)->seconds == 5);
  CHECK(fsm.idle_hold_time() == 10);
}

TEST_CASE("fsm: IdleHoldTimer_Expires restarts as the last start did, ManualStop cancels") {
  SUBCASE("active restart keeps the counter") {
    Fsm fsm = Drive(S::kEstablished);
    Step(fsm, E::kHoldTimerExpires, S::kIdle);
    CHECK(fsm.connect_retry_counter() == 1);
    CHECK(Kinds(Step(fsm, E::kIdleHoldTimerExpires, S::kConnect)) == Kinds({kStartCrt, kInitiate}));
    CHECK(fsm.connect_retry_counter() == 1);
  }
  SUBCASE("a passive FSM restarts in Active") {
    FsmConfig config;
    config.passive = true;
    Fsm fsm = Drive(S::kOpenSent, config);
    Step(fsm, E::kNotifMsg, S::kIdle);
    CHECK(Step(fsm, E::kIdleHoldTimerExpires, S::kActive).empty());
  }
  SUBCASE("the restart follows the configured mode, not the last start event") {
    Fsm fsm = Drive(S::kActive);  // ManualStart_with_PassiveTcpEstablishment, active config
    Step(fsm, E::kTcpConnectionConfirmed, S::kOpenSent);
    Step(fsm, E::kNotifMsg, S::kIdle);
    CHECK(Kinds(Step(fsm, E::kIdleHoldTimerExpires, S::kConnect)) == Kinds({kStartCrt, kInitiate}));
  }
  SUBCASE("ManualStop in Idle cancels the pending restart and resets the backoff") {
    Fsm fsm = Drive(S::kOpenSent);
    Step(fsm, E::kUpdateMsg, S::kIdle);
    CHECK(fsm.idle_hold_time() == 10);
    CHECK(Kinds(Step(fsm, E::kManualStop, S::kIdle)) == Kinds({kStopIdle}));
    CHECK(fsm.idle_hold_time() == 5);
    CHECK(Step(fsm, E::kIdleHoldTimerExpires, S::kIdle).empty());
    CHECK(Step(fsm, E::kManualStop, S::kIdle).empty());
  }
  SUBCASE("ManualStart during the idle hold starts at once and cancels the timer") {
    Fsm fsm = Drive(S::kConnect);
    Step(fsm, E::kTcpConnectionFails, S::kIdle);
    CHECK(Kinds(Step(fsm, E::kManualStart, S::kConnect)) ==
          Kinds({kStopIdle, kStartCrt, kInitiate}));
  }
}

TEST_CASE("fsm: hold time 0 runs no hold timer and no keepalives") {
  Fsm fsm = Drive(S::kOpenSent);
  fsm.SetNegotiatedHoldTime(0);
  CHECK(fsm.negotiated_hold_time() == 0);
  CHECK(fsm.keepalive_time() == 0);
  // The one KEEPALIVE that confirms the OPEN is still sent; the large timer stops.
  CHECK(Kinds(Step(fsm, E::kBgpOpen, S::kOpenConfirm)) == Kinds({kKeepalive, kStopHold}));
  CHECK(Kinds(Step(fsm, E::kKeepAliveMsg, S::kEstablished)) == Kinds({kUp}));
  CHECK(Step(fsm, E::kKeepAliveMsg, S::kEstablished).empty());
  CHECK(Kinds(Step(fsm, E::kUpdateMsg, S::kEstablished)) == Kinds({kUpdate}));
  CHECK(Kinds(Step(fsm, E::kRouteRefreshMsg, S::kEstablished)) == Kinds({kRefresh}));
  // No timer runs, so none is stopped on the way down.
  CHECK(Kinds(Step(fsm, E::kManualStop, S::kIdle)) == Kinds({kNotify, kDrop, kDown}));
}

TEST_CASE("fsm: keepalive is negotiated hold / 3 unless the configured one is smaller") {
  auto keepalive = [](std::uint16_t configured, std::uint16_t negotiated) {
    FsmConfig config;
    config.keepalive_time = configured;
    Fsm fsm = Drive(S::kOpenSent, config);
    fsm.SetNegotiatedHoldTime(negotiated);
    const auto actions = Step(fsm, E::kBgpOpen, S::kOpenConfirm);
    const Action* ka = Find(actions, kStartKa);
    REQUIRE(ka != nullptr);
    CHECK(ka->seconds == fsm.keepalive_time());
    CHECK(Find(actions, kStartHold)->seconds == negotiated);
    return fsm.keepalive_time();
  };
  CHECK(keepalive(30, 90) == 30);
  CHECK(keepalive(30, 9) == 3);    // peer asked for 9: 9 / 3
  CHECK(keepalive(30, 3) == 1);    // the smallest legal hold time
  CHECK(keepalive(10, 90) == 10);  // configured smaller than 90 / 3
  CHECK(keepalive(60, 180) == 60);
  CHECK(keepalive(60, 90) == 30);
  CHECK(keepalive(0, 90) == 30);  // 0 configured: no bound

  // KeepaliveTimer_Expires restarts the timer with the same value.
  FsmConfig config;
  config.keepalive_time = 10;
  Fsm fsm = Drive(S::kEstablished, config);
  CHECK(Step(fsm, E::kKeepaliveTimerExpires, S::kEstablished).at(1).seconds == 10);
}

TEST_CASE("fsm: a passive FSM waits in Active and never initiates a connection") {
  FsmConfig config;
  config.passive = true;
  Fsm fsm(config);
  CHECK(Step(fsm, E::kManualStart, S::kActive).empty());  // no ConnectRetryTimer
  CHECK(Step(fsm, E::kConnectRetryTimerExpires, S::kActive).empty());
  CHECK(Kinds(Step(fsm, E::kTcpConnectionConfirmed, S::kOpenSent)) == Kinds({kOpen, kStartHold}));
  // The connection fails before the OPEN: back to Active, still without a timer.
  CHECK(Kinds(Step(fsm, E::kTcpConnectionFails, S::kActive)) == Kinds({kStopHold, kDrop}));
  // A failure in Active: Idle, and the idle hold restarts it passively.
  Step(fsm, E::kTcpConnectionConfirmed, S::kOpenSent);
  Step(fsm, E::kHoldTimerExpires, S::kIdle);
  CHECK(Step(fsm, E::kIdleHoldTimerExpires, S::kActive).empty());

  // No event in any state makes a passive FSM initiate a connection.
  for (const State s : kAllStates) {
    for (const Event e : kAllEvents) {
      CAPTURE(ToString(s));
      CAPTURE(ToString(e));
      Fsm p = Drive(s, config);
      CHECK_FALSE(Has(Feed(p, e), kInitiate));
      CHECK(p.state() != S::kConnect);
    }
  }
}

TEST_CASE("fsm: ConnectRetryCounter counts failed sessions, zeroed by starts and ManualStop") {
  Fsm fsm = Drive(S::kOpenSent);
  CHECK(fsm.connect_retry_counter() == 0);
  Step(fsm, E::kHoldTimerExpires, S::kIdle);  // + 1
  CHECK(fsm.connect_retry_counter() == 1);
  Step(fsm, E::kIdleHoldTimerExpires, S::kConnect);      // damped restart keeps it
  Step(fsm, E::kConnectRetryTimerExpires, S::kConnect);  // a retry is not counted
  CHECK(fsm.connect_retry_counter() == 1);
  Step(fsm, E::kTcpCrAcked, S::kOpenSent);
  Step(fsm, E::kNotifMsgVerErr, S::kIdle);  // §8.2.2 OpenSent: not counted
  CHECK(fsm.connect_retry_counter() == 1);
  Step(fsm, E::kIdleHoldTimerExpires, S::kConnect);
  Step(fsm, E::kTcpConnectionFails, S::kIdle);  // §8.2.2 Connect: not counted
  CHECK(fsm.connect_retry_counter() == 1);
  Step(fsm, E::kIdleHoldTimerExpires, S::kConnect);
  Step(fsm, E::kTcpCrAcked, S::kOpenSent);
  Step(fsm, E::kBgpOpen, S::kOpenConfirm);
  Step(fsm, E::kKeepAliveMsg, S::kEstablished);
  CHECK(fsm.connect_retry_counter() == 1);  // Established does not reset it
  Step(fsm, E::kUpdateMsgErr, S::kIdle);    // + 1
  CHECK(fsm.connect_retry_counter() == 2);
  Step(fsm, E::kIdleHoldTimerExpires, S::kConnect);
  Step(fsm, E::kNotifMsg, S::kIdle);  // + 1
  CHECK(fsm.connect_retry_counter() == 3);
  Step(fsm, E::kManualStop, S::kIdle);  // ignored in Idle, counter kept
  CHECK(fsm.connect_retry_counter() == 3);
  Step(fsm, E::kAutomaticStart, S::kConnect);  // a start zeroes it
  CHECK(fsm.connect_retry_counter() == 0);
  Step(fsm, E::kAutomaticStop, S::kIdle);  // + 1
  CHECK(fsm.connect_retry_counter() == 1);
  Step(fsm, E::kIdleHoldTimerExpires, S::kConnect);
  Step(fsm, E::kManualStop, S::kIdle);  // ManualStop zeroes it
  CHECK(fsm.connect_retry_counter() == 0);
}

TEST_CASE("fsm: every timer stop follows a start, and starts carry their seconds") {
  // Walks each matrix row and checks the FSM's timer bookkeeping from the outside.
  for (const auto& row : kMatrix) {
    CAPTURE(ToString(row.from));
    CAPTURE(ToString(row.event));
    Fsm fsm = Drive(row.from);
    for (const auto& a : Feed(fsm, row.event)) {
      switch (a.kind) {
        case kStartCrt: CHECK(a.seconds == 120); break;
        case kStartHold: CHECK((a.seconds == 240 || a.seconds == 90)); break;
        case kStartKa: CHECK(a.seconds == 30); break;
        case kStartIdle: CHECK(a.seconds == 5); break;
        case kNotify: CHECK(a.notification.has_value()); break;
        default: CHECK_FALSE(a.notification.has_value()); break;
      }
    }
  }
}

TEST_CASE("fsm: names for the control API and logs") {
  std::vector<std::string> states;
  for (const State s : kAllStates) states.emplace_back(ToString(s));
  CHECK(states == std::vector<std::string>{"idle", "connect", "active", "open_sent", "open_confirm",
                                           "established"});
  CHECK(ToString(E::kTcpCrAcked) == "Tcp_CR_Acked");
  CHECK(ToString(E::kManualStartWithPassiveTcpEstablishment) ==
        "ManualStart_with_PassiveTcpEstablishment");
  CHECK(ToString(E::kBgpOpen) == "BGPOpen");
  CHECK(ToString(E::kRouteRefreshMsg) == "RouteRefreshMsg");
  CHECK(static_cast<int>(E::kUpdateMsgErr) == 28);
  CHECK(static_cast<int>(E::kIdleHoldTimerExpires) == 13);
  for (const Event e : kAllEvents) CHECK(ToString(e) != "unknown");
  CHECK(ToString(K::kSessionDown) == "session_down");
  CHECK(ToString(Action{kStartHold, 240}) == "start_hold_timer 240s");
  CHECK(ToString(Action{kNotify, 0, Notification{NotifyCode::kCease, 2, {}}}) ==
        "send_notification 6/2");
  CHECK(ToString(Action{kDrop}) == "drop_connection");
}
