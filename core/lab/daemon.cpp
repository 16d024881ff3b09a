#include "core/lab/daemon.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>
#include <utility>  // before Boost.Asio (Boost 1.74 with g++ 12)

#include "bgp/api/control_client.h"
#include "bgp/api/control_server.h"
#include "bgp/log.h"
#include "core/files.h"
#include "core/lab/engine_speaker.h"
#include "core/lab/gobgpd.h"
#include "core/lab/http.h"
#include "core/lab/netns.h"
#include "core/lab/plan.h"
#include "core/lab/state.h"
#include "core/lab/workspace.h"
#include "core/process.h"
#include "core/scenario_validate.h"

namespace bgpdemo::core::lab {

namespace {

namespace asio = boost::asio;
using nlohmann::json;
using bgp::api::ErrorReply;
using bgp::api::OkReply;

// Waits until `ready` holds or `deadline` passes, polling every 10 ms.
template <typename F>
bool WaitFor(F ready, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A node's speaker: a process in the node's namespace, started and stopped on demand.
class Speaker {
 public:
  virtual ~Speaker() = default;
  virtual Result<void, Error> Start() = 0;
  virtual void Stop() = 0;
  // SIGKILL: the process goes without a NOTIFICATION, as in a node that loses power; its
  // sockets close (bgpdemo fault node-stop).
  virtual void Kill() = 0;
  virtual pid_t pid() const = 0;
};

// `bgpdemo router` with the node's speaker config (the default).
class EngineSpeaker : public Speaker {
 public:
  EngineSpeaker(const Workspace& ws, const LabState& st, const SpeakerConfig& c)
      : ws_(ws), binary_(st.binary), config_(c) {}
  ~EngineSpeaker() override { Stop(); }

  Result<void, Error> Start() override {
    auto written = WriteFileAtomic(ws_.SpeakerConfig(config_.node), EngineSpeakerYaml(config_));
    if (!written) return written;
    SpawnOptions o;
    o.netns = config_.netns;
    o.log_file = ws_.SpeakerLog(config_.node);
    const std::string socket = ws_.SpeakerSocket(config_.node);
    auto pid = SpawnDetached({binary_, "router", "--config", ws_.SpeakerConfig(config_.node),
                              "--socket", socket},
                             o);
    if (!pid) return Fail(pid.error());
    pid_ = *pid;
    return {};
  }
  void Stop() override {
    if (pid_ != 0) (void)StopProcess(pid_);
    pid_ = 0;
  }
  void Kill() override {
    if (pid_ != 0) (void)KillProcess(pid_);
    pid_ = 0;
  }
  pid_t pid() const override { return pid_; }

 private:
  const Workspace& ws_;
  std::string binary_;
  SpeakerConfig config_;
  pid_t pid_ = 0;
};

// A real gobgpd configured as Cilium configures the GoBGP in its agent.
class GobgpdNodeSpeaker : public Speaker {
 public:
  GobgpdNodeSpeaker(const Workspace& ws, const SpeakerConfig& c)
      : workdir_(ws.SpeakerDir(c.node)), speaker_(c) {}
  ~GobgpdNodeSpeaker() override { Stop(); }
  Result<void, Error> Start() override {
    std::error_code ec;
    std::filesystem::create_directories(workdir_, ec);
    if (auto r = speaker_.Start(workdir_); !r) return Fail(r.error());
    return {};
  }
  void Stop() override { (void)speaker_.Stop(); }
  // Killed, then Stop forgets the pid (StopProcess of a process that is gone succeeds).
  void Kill() override {
    if (speaker_.pid() != 0) (void)KillProcess(speaker_.pid());
    (void)speaker_.Stop();
  }
  pid_t pid() const override { return speaker_.pid(); }

 private:
  std::string workdir_;
  GobgpdSpeaker speaker_;
};

// The pods' responders and the nodes' LoadBalancer proxies, each namespace on its thread.
class DataPlane {
 public:
  Result<void, std::string> Start(const LabPlan& plan) {
    for (const auto& pod : plan.pods) {
      auto t = NetnsThread::Start(pod.netns);
      if (!t) return Fail(t.error());
      auto& thread = **t;
      // "::" takes IPv4 too (as IPv4-mapped addresses): one listener for a dual-stack pod.
      const char* any = pod.address_v6.empty() ? "0.0.0.0" : "::";
      auto r = thread.Run([&] { return HttpResponder::Start(thread.io(), any, 80, pod.name); });
      if (!r) return Fail(fmt::format("pod {}/{}: {}", pod.cluster, pod.name, r.error()));
      responders_.push_back({std::move(*t), std::move(*r)});
    }
    for (const auto& node : plan.nodes) {
      const auto lbs = LbAddresses(plan, node.name);
      if (lbs.empty()) continue;
      // Each family's LoadBalancer IP goes to the pods' addresses of that family.
      std::vector<TcpProxy::Endpoint> backends, backends_v6;
      for (const auto& pod : plan.pods) {
        if (pod.cluster != node.cluster) continue;
        if (!pod.address.empty()) {  // IPv6-only pods have none
          backends.emplace_back(asio::ip::make_address_v4(pod.address), 80);
        }
        if (!pod.address_v6.empty()) {
          backends_v6.emplace_back(asio::ip::make_address_v6(pod.address_v6), 80);
        }
      }
      if (backends.empty() && backends_v6.empty()) continue;
      auto t = NetnsThread::Start(node.netns);
      if (!t) return Fail(t.error());
      auto& thread = **t;
      for (const auto& lb : lbs) {
        const auto& to = lb.find(':') == std::string::npos ? backends : backends_v6;
        auto p = thread.Run([&] { return TcpProxy::Start(thread.io(), lb, 80, to); });
        if (!p) return Fail(fmt::format("node {}: LoadBalancer {}: {}", node.name, lb, p.error()));
        proxies_.push_back({nullptr, std::move(*p)});
        proxies_.back().thread = t->get();
      }
      threads_.push_back(std::move(*t));
    }
    return {};
  }

  std::size_t pods() const { return responders_.size(); }
  std::size_t proxies() const { return proxies_.size(); }

  // Each object is destroyed on the thread that runs its io_context.
  void Stop() {
    for (auto& [thread, responder] : responders_) {
      thread->Run([&r = responder] { r.reset(); });
      thread->Stop();
    }
    responders_.clear();
    for (auto& p : proxies_) p.thread->Run([&q = p.proxy] { q.reset(); });
    proxies_.clear();
    for (auto& t : threads_) t->Stop();
    threads_.clear();
  }
  ~DataPlane() { Stop(); }

 private:
  struct Responder {
    std::unique_ptr<NetnsThread> thread;
    std::unique_ptr<HttpResponder> responder;
  };
  struct Proxy {
    NetnsThread* thread;
    std::unique_ptr<TcpProxy> proxy;
  };
  std::vector<Responder> responders_;
  std::vector<Proxy> proxies_;
  std::vector<std::unique_ptr<NetnsThread>> threads_;
};

class Daemon {
 public:
  Daemon(std::string dir, LabState state, LabPlan plan)
      : ws_(std::move(dir)), state_(std::move(state)), plan_(std::move(plan)),
        log_(std::cerr, bgp::LogLevel::kInfo) {}

  int Run() {
    if (auto r = Start(); !r) {
      log_.Error("daemon_start_failed", {{"error", r.error().message()}});
      Shutdown();
      return 1;
    }
    bgp::api::ControlServer control(io_, ws_.DaemonSocket(),
                                    [this](const json& req) { return Handle(req); }, log_);
    if (auto r = control.Start(); !r) {
      log_.Error("daemon_start_failed", {{"error", r.error()}});
      Shutdown();
      return 1;
    }
    if (auto r = WriteReady(); !r) {
      log_.Error("daemon_start_failed", {{"error", r.error().message()}});
      Shutdown();
      return 1;
    }
    log_.Info("daemon_ready", {{"pods", std::to_string(data_.pods())},
                               {"load_balancers", std::to_string(data_.proxies())},
                               {"speakers", std::to_string(speakers_.size())}});
    asio::signal_set signals(io_, SIGTERM, SIGINT);
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      log_.Info("signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      io_.stop();
    });
    io_.run();
    control.Stop();
    Shutdown();
    log_.Info("daemon_exit", {{"status", "0"}});
    return 0;
  }

 private:
  Result<void, Error> Start() {
    std::error_code ec;
    std::filesystem::create_directories(ws_.SpeakersDir(), ec);
    if (auto r = data_.Start(plan_); !r) return Fail(r.error());

    if (auto r = WriteFileAtomic(ws_.RouterConfig(), plan_.router_config); !r) return r;
    if (auto r = StartRouter(); !r) return Fail(r.error());

    for (const auto& c : plan_.speakers) {
      std::unique_ptr<Speaker> s;
      if (state_.node_speaker == "gobgpd") {
        s = std::make_unique<GobgpdNodeSpeaker>(ws_, c);
      } else {
        s = std::make_unique<EngineSpeaker>(ws_, state_, c);
      }
      if (auto r = s->Start(); !r) return Fail(fmt::format("speaker of {}: {}", c.node, r.error()));
      log_.Info("speaker_started", {{"node", c.node}, {"pid", std::to_string(s->pid())}});
      speakers_.emplace(c.node, std::move(s));
    }
    return {};
  }

  // The router in its namespace, answering on its control socket.
  Result<void, std::string> StartRouter() {
    SpawnOptions o;
    o.netns = plan_.router_netns;
    o.log_file = ws_.RouterLog();
    auto pid = SpawnDetached({state_.binary, "router", "--config", ws_.RouterConfig(), "--socket",
                              ws_.RouterSocket()},
                             o);
    if (!pid) return Fail("router: " + pid.error());
    router_pid_ = *pid;
    const bool up = WaitFor(
        [&] {
          return !ProcessAlive(router_pid_) ||
                 bgp::api::Request(ws_.RouterSocket(), {{"command", "ping"}},
                                   std::chrono::milliseconds(200));
        },
        std::chrono::seconds(10));
    if (!up || !ProcessAlive(router_pid_)) {
      return Fail(fmt::format("router (pid {}) did not come up; see {}", router_pid_, ws_.RouterLog()));
    }
    log_.Info("router_started", {{"pid", std::to_string(router_pid_)}});
    return {};
  }

  // SIGTERM: the router sends Cease to its peers and removes its kernel routes.
  Result<void, std::string> StopRouter() {
    if (router_pid_ == 0) return {};
    auto r = StopProcess(router_pid_, std::chrono::seconds(5));
    router_pid_ = 0;
    if (!r) return Fail(r.error());
    log_.Info("router_stopped", {});
    return {};
  }

  Result<void, Error> WriteReady() {
    DaemonState d;
    d.router_pid = router_pid_;
    for (const auto& [node, s] : speakers_) d.speakers[node] = s->pid();
    d.ready_at = std::time(nullptr);
    return WriteDaemonState(ws_.dir(), d);
  }

  json Handle(const json& req) {
    const auto command = req.value("command", "");
    if (command == "status") {
      json speakers = json::object();
      for (const auto& [node, s] : speakers_) {
        speakers[node] = {{"pid", s->pid()}, {"alive", s->pid() != 0 && ProcessAlive(s->pid())}};
      }
      return OkReply({{"pid", ::getpid()},
                      {"node_speaker", state_.node_speaker},
                      {"router", {{"pid", router_pid_}, {"alive", ProcessAlive(router_pid_)}}},
                      {"speakers", speakers},
                      {"pods", data_.pods()},
                      {"load_balancers", data_.proxies()}});
    }
    if (command == "speaker") {
      const auto node = req.value("node", "");
      const auto action = req.value("action", "");
      const auto it = speakers_.find(node);
      if (it == speakers_.end()) {
        std::string names;
        for (const auto& [n, s] : speakers_) names += (names.empty() ? "" : ", ") + n;
        return ErrorReply(fmt::format("no speaker on node \"{}\"; the nodes: {}", node, names));
      }
      if (action == "stop" || action == "kill") {
        if (action == "stop") {
          it->second->Stop();
        } else {
          it->second->Kill();
        }
        log_.Info("speaker_stopped", {{"node", node}, {"how", action}});
      } else if (action == "start") {
        if (it->second->pid() != 0 && ProcessAlive(it->second->pid())) {
          return ErrorReply(fmt::format("the speaker of {} is running already", node));
        }
        if (auto r = it->second->Start(); !r) return ErrorReply(r.error().message());
        log_.Info("speaker_started", {{"node", node}, {"pid", std::to_string(it->second->pid())}});
      } else {
        return ErrorReply(fmt::format("action \"{}\": use stop, kill or start", action));
      }
      (void)WriteReady();
      return OkReply({{"node", node}, {"pid", it->second->pid()}});
    }
    if (command == "router") {  // bgpdemo fault router-restart
      const auto action = req.value("action", "");
      const bool alive = router_pid_ != 0 && ProcessAlive(router_pid_);
      Result<void, std::string> r;
      if (action == "stop") {
        r = StopRouter();
      } else if (action == "start") {
        if (alive) return ErrorReply("the router is running already");
        r = StartRouter();
      } else {
        return ErrorReply(fmt::format("action \"{}\": use stop or start", action));
      }
      if (!r) return ErrorReply(r.error());
      (void)WriteReady();
      return OkReply({{"pid", router_pid_}});
    }
    if (command == "shutdown") {
      asio::post(io_, [this] { io_.stop(); });
      return OkReply("stopping");
    }
    return ErrorReply(
        fmt::format("unknown command \"{}\"; try status, speaker, router, shutdown", command));
  }

  // Speakers first (their Cease reaches a running router), then the router, which removes
  // its kernel routes on SIGTERM, then the data plane.
  void Shutdown() {
    std::vector<std::thread> stops;
    for (auto& [node, s] : speakers_) stops.emplace_back([&sp = s] { sp->Stop(); });
    for (auto& t : stops) t.join();
    speakers_.clear();
    if (router_pid_ != 0) {
      if (auto r = StopProcess(router_pid_, std::chrono::seconds(5)); !r) {
        log_.Error("router_stop_failed", {{"error", r.error()}});
      }
      router_pid_ = 0;
    }
    data_.Stop();
  }

  Workspace ws_;
  LabState state_;
  LabPlan plan_;
  bgp::StreamLogger log_;
  asio::io_context io_;
  DataPlane data_;
  pid_t router_pid_ = 0;
  std::map<std::string, std::unique_ptr<Speaker>> speakers_;
};

}  // namespace

Result<int, Error> RunLabDaemon(const std::string& state_dir) {
  auto state = ReadLabState(state_dir);
  if (!state) return Fail(state.error());
  auto plan = PlanFromText(state->scenario, {state->prefix});
  if (!plan) return Fail(plan.error());
  ::umask(077);
  Daemon d(state_dir, std::move(*state), std::move(*plan));
  return d.Run();
}

}  // namespace bgpdemo::core::lab
