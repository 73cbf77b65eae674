// NAME
//	input 3
// SUMMARY
//	block-buffered line reader over a file descriptor or a gzip stream
// DESCRIPTION
//	Plain input is read with read(2) in 1 MiB blocks. Gzip input goes
//	through a boost::iostreams chain whose source first replays the bytes
//	already read to sniff the magic, then continues on the descriptor.
#include "report/input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>
#include <utility>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

namespace milter503::report {
namespace {

constexpr size_t block_size = size_t{1024} * 1024;

// Owns the descriptor (unless it is stdin) and the sniffed prefix.
struct FdReader {
    int fd = -1;
    bool owned = false;
    std::string prefix;
    size_t prefix_pos = 0;
    int last_errno = 0;

    ~FdReader() {
        if (owned && fd >= 0)
            ::close(fd);
    }

    std::ptrdiff_t read(char* data, size_t size) {
        if (prefix_pos < prefix.size()) {
            const size_t n = std::min(size, prefix.size() - prefix_pos);
            std::memcpy(data, prefix.data() + prefix_pos, n);
            prefix_pos += n;
            return static_cast<std::ptrdiff_t>(n);
        }
        for (;;) {
            const ssize_t n = ::read(fd, data, size);
            if (n >= 0)
                return n;
            if (errno == EINTR)
                continue;
            last_errno = errno;
            return -1;
        }
    }
};

class PlainSource : public LineSource {
  public:
    PlainSource(std::string name, std::shared_ptr<FdReader> reader)
        : LineSource(std::move(name)), reader_(std::move(reader)) {}

  protected:
    std::ptrdiff_t read_some(char* data, size_t size) override {
        const auto n = reader_->read(data, size);
        if (n < 0)
            error_ = std::strerror(reader_->last_errno);
        return n;
    }

  private:
    std::shared_ptr<FdReader> reader_;
};

// Boost.Iostreams Source over FdReader (copied into the chain: shared).
class FdDevice {
  public:
    using char_type = char;
    using category = boost::iostreams::source_tag;

    explicit FdDevice(std::shared_ptr<FdReader> reader) : reader_(std::move(reader)) {}

    std::streamsize read(char* data, std::streamsize size) {
        const auto n = reader_->read(data, static_cast<size_t>(size));
        if (n < 0)
            throw std::ios_base::failure(std::strerror(reader_->last_errno));
        return n == 0 ? -1 : n;
    }

  private:
    std::shared_ptr<FdReader> reader_;
};

class GzipSource : public LineSource {
  public:
    GzipSource(std::string name, std::shared_ptr<FdReader> reader) : LineSource(std::move(name)) {
        compressed_ = true;
        stream_.push(boost::iostreams::gzip_decompressor());
        stream_.push(FdDevice(std::move(reader)));
    }

  protected:
    // Straight from the stream buffer, what it holds before asking for
    // more: an istream::read() of a block that meets corrupt data throws
    // and loses what it had decompressed, and the lines before a
    // half-written rotation's end are worth reading.
    std::ptrdiff_t read_some(char* data, size_t size) override {
        if (failed_)
            return -1;
        std::streambuf& buffer = *stream_.rdbuf();
        size_t got = 0;
        try {
            while (got < size) {
                std::streamsize ready = buffer.in_avail();
                if (ready <= 0) {
                    if (got > 0 || buffer.sgetc() == std::char_traits<char>::eof())
                        break;
                    ready = std::max<std::streamsize>(buffer.in_avail(), 1);
                }
                const std::streamsize want =
                    std::min(ready, static_cast<std::streamsize>(size - got));
                const std::streamsize n = buffer.sgetn(data + got, want);
                if (n <= 0)
                    break;
                got += static_cast<size_t>(n);
            }
        } catch (const std::exception& e) {
            failed_ = true;
            error_ = std::string("corrupt or truncated gzip data (") + e.what() + ")";
            return got > 0 ? static_cast<std::ptrdiff_t>(got) : -1;
        }
        return static_cast<std::ptrdiff_t>(got);
    }

  private:
    boost::iostreams::filtering_istream stream_;
    bool failed_ = false;
};

}  // namespace

std::unique_ptr<LineSource> LineSource::open(const std::string& path, std::string* error) {
    auto reader = std::make_shared<FdReader>();
    std::string name = path;
    if (path == "-") {
        reader->fd = STDIN_FILENO;
        name = "(standard input)";
    } else {
        reader->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (reader->fd < 0) {
            if (error)
                *error = std::strerror(errno);
            return nullptr;
        }
        reader->owned = true;
    }
    // Sniff the first two bytes (a pipe may deliver them one at a time).
    char head[2];
    size_t got = 0;
    while (got < sizeof head) {
        const ssize_t n = ::read(reader->fd, head + got, sizeof head - got);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (error)
                *error = std::strerror(errno);
            return nullptr;
        }
        got += static_cast<size_t>(n);
    }
    reader->prefix.assign(head, got);
    struct stat status {};
    std::optional<std::int64_t> modified;
    if (::fstat(reader->fd, &status) == 0 && S_ISREG(status.st_mode))
        modified = status.st_mtime;
    const bool gzip = got == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                      static_cast<unsigned char>(head[1]) == 0x8b;
    std::unique_ptr<LineSource> source;
    if (gzip) {
        source = std::make_unique<GzipSource>(std::move(name), std::move(reader));
    } else {
        source = std::make_unique<PlainSource>(std::move(name), std::move(reader));
    }
    source->modified_ = modified;
    source->buffer_ = std::make_unique<char[]>(block_size);
    source->capacity_ = block_size;
    return source;
}

bool LineSource::fill() {
    if (begin_ > 0) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    const auto n = read_some(buffer_.get() + end_, capacity_ - end_);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    end_ += static_cast<size_t>(n);
    return true;
}

bool LineSource::next(std::string_view& line) {
    for (;;) {
        if (begin_ < end_) {
            const char* start = buffer_.get() + begin_;
            const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
            if (newline != nullptr) {
                const auto length = static_cast<size_t>(newline - start);
                begin_ += length + 1;
                if (skipping_) {
                    skipping_ = false;
                    continue;
                }
                if (length > max_line_length) {
                    ++overlong_;
                    continue;
                }
                line = std::string_view(start, length);
                return true;
            }
            if (skipping_) {
                begin_ = end_ = 0;
            } else if (end_ - begin_ >= max_line_length) {
                ++overlong_;
                skipping_ = true;
                begin_ = end_ = 0;
            }
        }
        if (eof_) {
            if (begin_ < end_ && !skipping_) {
                line = std::string_view(buffer_.get() + begin_, end_ - begin_);
                begin_ = end_;
                return true;
            }
            return false;
        }
        fill();
    }
}

}  // namespace milter503::report
