# The gateway image: compiled JavaScript on Node 24 LTS (production start runs no TypeScript loader).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY gateway ./gateway
COPY broker ./broker
COPY dashboard-api ./dashboard-api
COPY simulators ./simulators
COPY bench ./bench
# bench/ starts its servers with the tests' helpers (tests/support): compiled with it, not shipped.
COPY tests/support ./tests/support
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The officers' page is plain ES modules served as files (dashboard-api/src/static.ts).
COPY --from=build /app/dashboard-api/web ./dashboard-api/web
COPY package.json ./
USER node
VOLUME ["/var/lib/shaobing"]
EXPOSE 1883 8883 8080
ENTRYPOINT ["node", "dist/gateway/src/cli.js"]
CMD ["start", "--config", "/etc/shaobing/shaobing.yaml"]
