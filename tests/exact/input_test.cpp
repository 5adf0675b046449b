// lyapcert/exact/input.hpp: the one reader of user-named files (size cap, refused file types, pipes streamed),
// the JSON nesting scan and printable(). Expected values are written out by hand (bytes, depths, messages).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"

namespace {

using lyapcert::InputError;
using lyapcert::json_nesting_depth;
using lyapcert::printable;
using lyapcert::read_input_file;

std::string error_of(const std::string& path, std::size_t max_bytes = lyapcert::kMaxInputFileBytes) {
  try {
    (void)read_input_file(path, "law file", max_bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/lyapcert-input-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST(ReadInputFile, RegularFileWholeAndAtTheCap) {
  TempDir dir;
  const std::string file = (dir.path / "law.txt").string();
  std::ofstream(file, std::ios::binary) << std::string("atoms(1,\0 2)", 12);
  EXPECT_EQ(read_input_file(file, "law file"), std::string("atoms(1,\0 2)", 12));  // NUL kept: the parser reports it
  EXPECT_EQ(read_input_file(file, "law file", 12).size(), 12u);                    // exactly at the cap
  EXPECT_EQ(error_of(file, 11), "law file '" + file + "' exceeds the limit of 11 bytes");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "";
  EXPECT_EQ(read_input_file(file, "law file"), "");
}

TEST(ReadInputFile, RefusesDirectoriesDevicesAndMissingFilesByName) {
  TempDir dir;
  EXPECT_EQ(error_of(dir.path.string()), "cannot read law file '" + dir.path.string() + "': is a directory");
  EXPECT_EQ(error_of("/dev/zero"),
            "cannot read law file '/dev/zero': is a character device, not a regular file or a pipe");
  EXPECT_EQ(error_of((dir.path / "missing").string()),
            "cannot read law file '" + (dir.path / "missing").string() + "': No such file or directory");
  EXPECT_EQ(error_of(""), "cannot read law file '': the file name is empty");
}

TEST(ReadInputFile, PipesAreStreamedUpToTheCap) {
  // A FIFO with a writer, as process substitution gives: read to its end, and refused past the cap after
  // reading at most cap + 1 bytes (the writer is then cut off by the closed read end).
  TempDir dir;
  const std::string fifo = (dir.path / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto feed = [&](std::size_t n) {
    return std::thread([fifo, n] {
      const int fd = ::open(fifo.c_str(), O_WRONLY);
      if (fd < 0) return;
      const std::string block(4096, 'x');
      for (std::size_t done = 0; done < n;) {
        const ssize_t w = ::write(fd, block.data(), std::min(block.size(), n - done));
        if (w <= 0) break;  // EPIPE once the reader has stopped
        done += static_cast<std::size_t>(w);
      }
      ::close(fd);
    });
  };
  std::thread small = feed(10000);
  EXPECT_EQ(read_input_file(fifo, "data file"), std::string(10000, 'x'));
  small.join();
  std::signal(SIGPIPE, SIG_IGN);
  std::thread big = feed(std::size_t{1} << 22);
  try {
    (void)read_input_file(fifo, "data file", std::size_t{1} << 20);
    ADD_FAILURE() << "a 4 MiB pipe passed a 1 MiB cap";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "data file '" + fifo + "' exceeds the limit of 1 MiB");
  }
  big.join();
}

TEST(JsonNesting, CountsBracketsOutsideStrings) {
  EXPECT_EQ(json_nesting_depth(""), 0u);
  EXPECT_EQ(json_nesting_depth("1"), 0u);
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": []}]})"), 4u);
  EXPECT_EQ(json_nesting_depth(R"({"a": "[[[[[[", "b": "\"[[[["})"), 1u);  // brackets in strings, escaped quote
  EXPECT_EQ(json_nesting_depth(R"(["\\", [[]]])"), 3u);                    // an escaped backslash ends the escape
  EXPECT_EQ(json_nesting_depth(std::string(200000, '[')), 200000u);
  EXPECT_NO_THROW(lyapcert::check_json_nesting(std::string(64, '['), "spec.json"));
  try {
    lyapcert::check_json_nesting(std::string(65, '[') + std::string(65, ']'), "spec.json");
    ADD_FAILURE() << "65 levels passed a limit of 64";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "spec.json: JSON nested 65 levels deep, more than the limit of 64");
  }
}

TEST(Printable, EscapesControlsAndInvalidUtf8KeepsValidUtf8) {
  EXPECT_EQ(printable("atoms(1, 2)"), "atoms(1, 2)");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("line\nnext\ttab\r\x1b[31m\x7f"), "line\nnext\ttab\\x0d\\x1b[31m\\x7f");
  EXPECT_EQ(printable("\xce\xbb = \xe2\x88\x9e, \xf0\x9f\x98\x80"), "\xce\xbb = \xe2\x88\x9e, \xf0\x9f\x98\x80");
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");                  // never valid in UTF-8
  EXPECT_EQ(printable("\x80x"), "\\x80x");                        // stray continuation byte
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                 // overlong '/'
  EXPECT_EQ(printable("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");        // overlong, three bytes
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");        // UTF-16 surrogate U+D800
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(printable("\xe2\x88"), "\\xe2\\x88");                 // truncated at the end
  EXPECT_EQ(printable("\xe2(\xce\xbb"), "\\xe2(\xce\xbb");         // truncated, then a valid sequence
  const std::string once = printable(std::string("\0\xff", 2));
  EXPECT_EQ(printable(once), once);  // idempotent: a message escaped twice reads the same
}

}  // namespace
