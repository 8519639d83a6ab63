# Horizon's image: `docker build -t horizon:dev .` (manifests in clusters/deploy/).
# No build step: the TypeScript sources run through tsx, which is therefore a runtime dependency and
# stays in `npm ci --omit=dev`.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY proto ./proto
COPY src ./src
# The image's `node` user, by number so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 15010 15014
ENTRYPOINT ["node", "bin/horizon.mjs"]
CMD ["serve"]
