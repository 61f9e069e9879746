// link-carabiner: a drop-in Carabiner daemon. All logic lives in libcore/carabiner.
#include "carabiner/CarabinerCommand.hpp"

int main(int argc, char** argv) {
  linktools::CarabinerOptions options;
  auto app = linktools::make_carabiner_app(options);
  std::vector<std::string> args = linktools::gflags_to_ours(argc, argv);
  std::vector<char*> pointers;
  for (auto& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  return linktools::run_tool("link-carabiner", *app, static_cast<int>(args.size()), pointers.data(),
                             [&] { return linktools::run_carabiner(options); });
}
