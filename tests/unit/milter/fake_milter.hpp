// Test doubles behind the MilterApi and LogSink seams: a context is just
// a distinct pointer; macros and the private pointer live in maps.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "milter/log_sink.hpp"
#include "milter/milter_api.hpp"

namespace milter503::milter::testing {

class FakeApi final : public MilterApi {
  public:
    const char* getsymval(SMFICTX* ctx, const char* name) override {
        auto& macros = macros_[ctx];
        auto it = macros.find(name);
        return it == macros.end() ? nullptr : it->second.c_str();
    }
    void* getpriv(SMFICTX* ctx) override { return priv_[ctx]; }
    void setpriv(SMFICTX* ctx, void* data) override { priv_[ctx] = data; }
    bool setsymlist(SMFICTX* ctx, int stage, const char* macros) override {
        symlists_[ctx][stage] = macros;
        return true;
    }

    void set_macro(SMFICTX* ctx, const std::string& name, const std::string& value) {
        macros_[ctx][name] = value;
    }
    void clear_macro(SMFICTX* ctx, const std::string& name) { macros_[ctx].erase(name); }
    void* priv(SMFICTX* ctx) { return priv_[ctx]; }
    std::map<int, std::string>& symlists(SMFICTX* ctx) { return symlists_[ctx]; }

  private:
    std::map<SMFICTX*, std::map<std::string, std::string>> macros_;
    std::map<SMFICTX*, void*> priv_;
    std::map<SMFICTX*, std::map<int, std::string>> symlists_;
};

class RecordingSink final : public LogSink {
  public:
    void write(Severity severity, std::string_view line) override {
        std::lock_guard lock(mutex_);
        lines_.emplace_back(severity, std::string(line));
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        for (const auto& entry : lines_)
            out.push_back(entry.second);
        return out;
    }
    // Lines that contain every one of `parts`.
    std::vector<std::string> matching(std::initializer_list<std::string> parts) const {
        std::vector<std::string> out;
        for (const auto& line : lines()) {
            bool all = true;
            for (const auto& part : parts)
                all = all && line.find(part) != std::string::npos;
            if (all)
                out.push_back(line);
        }
        return out;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::pair<Severity, std::string>> lines_;
};

inline sockaddr_in ipv4(const char* addr, uint16_t port) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    inet_pton(AF_INET, addr, &in.sin_addr);
    return in;
}

}  // namespace milter503::milter::testing
