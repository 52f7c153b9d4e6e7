# notifyd in a container: built from this checkout, installed from its packed tarball (as
# `npm install -g` users get it), run as the unprivileged `node` user with its data on a
# volume. Build: docker build -t notifyd .   Run: see README "Running in production".

# --- build: compile TypeScript and pack the package -------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# `npm pack` runs the build (prepare) and keeps only what package.json "files" lists.
RUN npm pack --pack-destination /pkg

# --- runtime: the package alone, no sources, no dev dependencies ------------------------
# bookworm's glibc 2.36 is what the bundled uWebSockets.js build needs.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
COPY --from=build /pkg/ /tmp/pkg/
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/pkg/notifyd-*.tgz \
  && rm -rf /tmp/pkg /root/.npm \
  && mkdir -p /var/lib/notifyd \
  && chown node:node /var/lib/notifyd
USER node
WORKDIR /var/lib/notifyd
# Listen on every interface inside the container; the data (SQLite file, bootstrap admin
# key) live on the volume.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    NOTIFYD_STORE__SQLITE__PATH=/var/lib/notifyd/notifyd.db \
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE=/var/lib/notifyd/admin.key
VOLUME ["/var/lib/notifyd"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# serve drains on SIGTERM (docker stop); give it the time it needs (docker stop -t 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["notifyd"]
CMD ["serve"]
