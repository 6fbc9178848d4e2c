# pxc-tls as a container KRM function: `docker run -i --rm IMAGE < list.yaml`, `kpt fn eval --image`,
# a Kptfile `image:`, kustomize `container:` — and the in-cluster watcher (`pxc-tls watch`).
#   docker build -t registry.example.com/platform/pxc-tls:0.1.0 .
# The tests cannot build this image (no Docker engine on the test machines). They run the exact
# files the runtime stage copies, as this ENTRYPOINT, the way kpt and kustomize start containers
# (test/e2e/container.test.ts); see README "Use in CI" for what is and is not proven.

# The current Node.js LTS (26, "Lithium", LTS since 2026-10-28); the bundle targets Node ≥ 20.
ARG NODE_IMAGE=node:26-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json README.md ./
COPY scripts/build.mjs scripts/readme-help.cjs scripts/
COPY src/ src/
# The same build as `npm run build`: the entry point, the function bundle and V8's code cache for it
# (made by this stage's node, the same as the runtime's, so the runtime accepts it), the watcher.
RUN node scripts/build.mjs

FROM ${NODE_IMAGE}
# Only node is needed at run time: drop npm, npx, corepack and yarn (smaller, less to patch).
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
COPY --from=build /src/dist/pxc-tls.cjs /src/dist/pxc-tls-main.cjs /src/dist/pxc-tls-main.cjs.v8cache /src/dist/watch.cjs /src/dist/agent.cjs /app/
# nobody: kpt and kustomize also pass --user nobody; numeric so runAsNonRoot can verify it.
USER 65534:65534
WORKDIR /
ENTRYPOINT ["node", "/app/pxc-tls.cjs"]
