// The TCP device: Options from the configuration module, and the factory of
// TcpContexts. The device resolves the listener address once; each context
// then binds its own ephemeral port on it.
#include "transport/tcp/device.h"

#include <sstream>

#include "common/config.h"
#include "transport/tcp/address.h"
#include "transport/tcp/context.h"

namespace gloo::transport::tcp {

Options Options::fromConfig() {
  Options o;
  o.ifname = config::getString("GLOOMPI_IFNAME");
  if (o.ifname.empty()) o.ifname = config::getString("GLOO_SOCKET_IFNAME");
  o.address = config::getString("GLOOMPI_ADDRESS");
  o.family = config::getString("GLOOMPI_ADDRESS_FAMILY");
  o.socketBuffer = static_cast<size_t>(config::getBytes("GLOOMPI_SOCKET_BUFFER"));
  o.spin = std::chrono::microseconds(config::getInt("GLOOMPI_SPIN_US"));
  o.jobToken = config::getString("GLOOMPI_JOB_TOKEN");
  return o;
}

namespace {

class TcpDevice final : public Device {
 public:
  explicit TcpDevice(const Options& opts) : opts_(opts), bind_(selectBindAddress(opts)) {}

  std::unique_ptr<Context> createContext(int rank, int size, uint64_t id) override {
    return std::make_unique<TcpContext>(rank, size, id, opts_, bind_);
  }

  std::string describe() const override {
    std::ostringstream os;
    os << "tcp(" << bind_.ip();
    if (!opts_.ifname.empty()) os << ", ifname=" << opts_.ifname;
    os << ", buffer=" << opts_.socketBuffer << ", spin=" << opts_.spin.count() << "us)";
    return os.str();
  }

 private:
  const Options opts_;
  const SockAddr bind_;
};

}  // namespace

std::shared_ptr<Device> createDevice(const Options& opts) { return std::make_shared<TcpDevice>(opts); }

}  // namespace gloo::transport::tcp
