// Preloaded into r2-streamer-js (node -r): its server listens on every
// interface; the load test binds it to 127.0.0.1 only.
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number") {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
