#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "keeper/cli/command.hpp"

namespace keeper::cli {

std::string read_input_file(const std::string& path, std::string_view what) {
    if (path == "-") return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(what, "cannot open file '" + path + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in.good() && !in.eof()) throw UsageError(what, "cannot read file '" + path + "'");
    return ss.str();
}

}  // namespace keeper::cli
