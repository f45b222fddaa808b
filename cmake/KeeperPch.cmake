# A precompiled header for the heavy translation units of the I/O layers:
#
#   keeper_pch_io - Boost.Asio/Beast (coroutines, timers, TCP), nlohmann/json and spdlog: the
#                   I/O layers and the `keeper` binary (keeper_use_io_pch, keeper/CMakeLists.txt).
#
# The header set is compiled once, into a small carrier library whose flags match its users
# (same -O level, same warnings, same compile definitions that the headers read), and the users
# take it with REUSE_FROM; -Winvalid-pch (an error under KEEPER_WERROR) catches a user whose
# flags drift. The tests take no PCH (tests/CMakeLists.txt says why). Turn it off with
# -DKEEPER_PCH=OFF (e.g. to check that every file includes what it uses).
option(KEEPER_PCH "Precompile the Asio/Beast, nlohmann/json and spdlog headers of the I/O layers" ON)

if(KEEPER_PCH)
  find_package(spdlog REQUIRED)
  find_package(Threads REQUIRED)

  # The carrier's definitions are those its users get from keeper::rpc (Boost::headers,
  # spdlog::spdlog and the two Asio/Beast switches). It cannot link keeper::rpc itself:
  # keeper_rpc takes this PCH, so that would be a dependency cycle.
  set(_keeper_pch_io_src ${PROJECT_BINARY_DIR}/keeper_pch_io.cpp)
  file(CONFIGURE OUTPUT ${_keeper_pch_io_src}
       CONTENT "// Carrier of the I/O precompiled header (cmake/KeeperPch.cmake).\n")
  add_library(keeper_pch_io STATIC ${_keeper_pch_io_src})
  target_include_directories(keeper_pch_io PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(keeper_pch_io PRIVATE Boost::headers Threads::Threads spdlog::spdlog
    nlohmann_json::nlohmann_json keeper_warnings)
  target_compile_definitions(keeper_pch_io PRIVATE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
  target_precompile_headers(keeper_pch_io PRIVATE
    <utility>  # before Asio: Boost 1.74 Asio with g++ 12 coroutines needs it first
    <chrono> <cstdint> <functional> <memory> <optional> <string> <string_view> <vector>
    <boost/asio/any_io_executor.hpp> <boost/asio/awaitable.hpp> <boost/asio/co_spawn.hpp>
    <boost/asio/detached.hpp> <boost/asio/io_context.hpp> <boost/asio/ip/tcp.hpp>
    <boost/asio/post.hpp> <boost/asio/redirect_error.hpp> <boost/asio/steady_timer.hpp>
    <boost/asio/this_coro.hpp> <boost/asio/use_awaitable.hpp>
    <boost/beast/core/flat_buffer.hpp> <boost/beast/core/tcp_stream.hpp>
    <nlohmann/json.hpp>
    <spdlog/spdlog.h>)
endif()

# keeper_use_io_pch(<target>...): the targets take the I/O precompiled header. Only for targets
# that link keeper::rpc or keeper::ops (they carry the carrier's compile definitions).
function(keeper_use_io_pch)
  if(KEEPER_PCH)
    foreach(target IN LISTS ARGN)
      target_precompile_headers(${target} REUSE_FROM keeper_pch_io)
    endforeach()
  endif()
endfunction()
