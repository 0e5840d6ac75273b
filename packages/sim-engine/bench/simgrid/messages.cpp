// The message scenario of bench/message-scenario.ts in SimGrid's S4U, the
// peer the engine is measured against: N hosts on a star of 1 GbE links
// (125e6 B/s and 50 us each way), every host sends M messages of B bytes to
// pseudo-random peers one after the other, all hosts at once. The network
// model is SimGrid's CM02 without its factors (no TCP window bound, no
// latency or bandwidth factor, no cross-traffic, no RTT weighting): plain
// max-min sharing of the links, as the engine's.
//
// Usage: messages HOSTS [MESSAGES_PER_HOST [MESSAGE_BYTES [SEED]]]
// Prints one JSON line: hosts, messages, simS (simulated time of the last
// arrival), meanArrivalS (mean simulated time of the arrivals), runS (wall
// seconds from creating the engine to the end of the run, steady_clock),
// runCpuS (CPU seconds of the process over the same span, std::clock) and
// config (the settings below, as --cfg would take them, space-separated).
#include <simgrid/s4u.hpp>
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace sg4 = simgrid::s4u;

// Plain max-min sharing of the links (see the header comment), set after the command line's --cfg.
static const char* const CONFIG[] = {"network/model:CM02",         "network/TCP-gamma:0",    "network/latency-factor:1",
                                     "network/bandwidth-factor:1", "network/crosstraffic:0", "network/weight-S:0"};

static const double LINK_BPS = 125e6;
static const double LINK_LATENCY_S = 50e-6;

// xorshift32 per sender, exactly as peersOf() in message-scenario.ts.
static std::vector<unsigned> peers_of(unsigned sender, unsigned hosts, unsigned count, unsigned seed)
{
  uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + (sender + 1u) * 40503u;
  if (x == 0)
    x = 1;
  std::vector<unsigned> peers(count);
  for (unsigned k = 0; k < count; k++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    peers[k] = (sender + 1u + x % (hosts - 1u)) % hosts;
  }
  return peers;
}

static unsigned long arrived = 0;
static double arrival_sum = 0;

int main(int argc, char** argv)
{
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  sg4::Engine e(&argc, argv);
  std::string config;
  for (const char* cfg : CONFIG) {
    sg4::Engine::set_config(cfg);
    config += (config.empty() ? "" : " ") + std::string(cfg);
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s HOSTS [MESSAGES_PER_HOST [MESSAGE_BYTES [SEED]]]\n", argv[0]);
    return 2;
  }
  const unsigned hosts = static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10));
  const unsigned per_host = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 100;
  const double bytes = argc > 3 ? std::strtod(argv[3], nullptr) : 1e6;
  const unsigned seed = argc > 4 ? static_cast<unsigned>(std::strtoul(argv[4], nullptr, 10)) : 1;
  if (hosts < 2) {
    std::fprintf(stderr, "HOSTS: expected an integer >= 2, found %s\n", argv[1]);
    return 2;
  }

  auto* zone = sg4::create_star_zone("star");
  std::vector<sg4::Host*> hs;
  for (unsigned i = 0; i < hosts; i++) {
    sg4::Host* host = zone->create_host("h" + std::to_string(i + 1), 1e9);
    sg4::Link* link = zone->create_split_duplex_link("l" + std::to_string(i + 1), LINK_BPS)->set_latency(LINK_LATENCY_S);
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {sg4::LinkInRoute(link, sg4::LinkInRoute::Direction::UP)}, true);
    hs.push_back(host);
  }
  zone->seal();

  std::vector<std::vector<unsigned>> peers(hosts);
  std::vector<unsigned> incoming(hosts, 0);
  for (unsigned i = 0; i < hosts; i++) {
    peers[i] = peers_of(i, hosts, per_host, seed);
    for (unsigned p : peers[i])
      incoming[p]++;
  }
  for (unsigned i = 0; i < hosts; i++) {
    // Every receive is posted at once, so a message starts as soon as it is sent.
    sg4::Actor::create("receiver", hs[i], [i, &incoming]() {
      sg4::Mailbox* box = sg4::Mailbox::by_name("h" + std::to_string(i + 1));
      std::vector<sg4::CommPtr> pending;
      std::vector<void*> data(incoming[i]);
      for (unsigned k = 0; k < incoming[i]; k++)
        pending.push_back(box->get_async(&data[k]));
      for (auto& c : pending) {
        c->wait();
        arrived++;
        arrival_sum += sg4::Engine::get_clock();
      }
    });
    sg4::Actor::create("sender", hs[i], [i, &peers, bytes]() {
      static char payload;
      for (unsigned p : peers[i])
        sg4::Mailbox::by_name("h" + std::to_string(p + 1))->put(&payload, bytes);
    });
  }
  e.run();
  const auto t1 = std::chrono::steady_clock::now();
  const std::clock_t c1 = std::clock();
  std::printf("{\"hosts\":%u,\"messages\":%lu,\"simS\":%.9f,\"meanArrivalS\":%.9f,\"runS\":%.6f,\"runCpuS\":%.6f,\"config\":\"%s\"}\n", hosts, arrived,
              sg4::Engine::get_clock(), arrived == 0 ? 0.0 : arrival_sum / static_cast<double>(arrived), std::chrono::duration<double>(t1 - t0).count(),
              static_cast<double>(c1 - c0) / CLOCKS_PER_SEC, config.c_str());
  return 0;
}
