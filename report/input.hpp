// NAME
//	input 3h
// SUMMARY
//	read a log file or standard input line by line, plain or gzip
// SYNOPSIS
//	#include "report/input.hpp"
// DESCRIPTION
//	LineSource::open() opens a path, or standard input for "-". The first
//	bytes decide the format: 1f 8b is gzip (decompressed through
//	Boost.Iostreams' gzip filter), anything else is read as is. The file
//	name plays no part, so `mail.log.2.gz` renamed, or gzip on a pipe,
//	both work.
//
//	next() hands out one line at a time without its newline, as a view
//	into an internal block buffer that stays valid until the following
//	call: no allocation per line. A line longer than max_line_length is
//	skipped to its end and counted in overlong_lines(); a last line
//	without a newline is returned as it is. A gzip stream that ends early
//	or is corrupt ends the input; error() then says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace milter503::report {

class LineSource {
  public:
    static constexpr size_t max_line_length = size_t{64} * 1024;

    // nullptr and `error` set (strerror text) when the file cannot be read.
    static std::unique_ptr<LineSource> open(const std::string& path, std::string* error);

    virtual ~LineSource() = default;

    // False at the end of the input.
    bool next(std::string_view& line);

    const std::string& name() const { return name_; }
    bool compressed() const { return compressed_; }
    std::uint64_t overlong_lines() const { return overlong_; }
    // Empty, or why the input ended before its end (corrupt gzip, EIO).
    const std::string& error() const { return error_; }
    // Seconds since the epoch of a regular file's last change; nullopt for
    // a pipe or a terminal.
    std::optional<std::int64_t> modified() const { return modified_; }

  protected:
    explicit LineSource(std::string name) : name_(std::move(name)) {}
    // Reads up to `size` bytes; 0 at the end; -1 on error (sets error_).
    virtual std::ptrdiff_t read_some(char* data, size_t size) = 0;

    std::string name_;
    std::optional<std::int64_t> modified_;
    bool compressed_ = false;
    std::string error_;

  private:
    bool fill();

    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = 0;
    size_t begin_ = 0;  // first unread byte
    size_t end_ = 0;    // one past the last valid byte
    bool eof_ = false;
    bool skipping_ = false;  // inside an overlong line
    std::uint64_t overlong_ = 0;
};

}  // namespace milter503::report
