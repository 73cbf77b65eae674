// NAME
//	test_util 3h
// SUMMARY
//	temporary files and gzip for the report tests
// SYNOPSIS
//	#include "test_util.hpp"
// DESCRIPTION
//	TempFile writes its content to a unique file under $TMPDIR (or /tmp)
//	and removes it at the end of the test; gzip() compresses with
//	Boost.Iostreams, the same library the report reads it with, so no
//	binary file has to live in the repository. data_path() names a file
//	under tests/data/.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

namespace milter503::report::test {

inline std::string gzip(const std::string& text) {
    std::ostringstream out;
    {
        boost::iostreams::filtering_ostream stream;
        stream.push(boost::iostreams::gzip_compressor());
        stream.push(out);
        stream << text;
    }
    return out.str();
}

class TempFile {
  public:
    explicit TempFile(const std::string& content, const std::string& suffix = ".log") {
        const char* dir = std::getenv("TMPDIR");
        std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/m503-report-XXXXXX";
        pattern += suffix;
        const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
        if (fd >= 0)
            ::close(fd);
        path_ = pattern;
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

inline std::string data_path(const std::string& relative) {
    return std::string(MILTER503_TEST_DATA) + "/" + relative;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace milter503::report::test
