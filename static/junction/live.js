// Live admin pages: listen to the page's topic over a websocket and, shortly after a change (on a
// detail page: a change of its own object), fetch the page again and swap its content in place.
// The page says where the event store stood when it was drawn ("since"): the server first sends what
// changed after that, which happened before this socket was listening.
(() => {
  const script = document.currentScript;
  const topic = script.dataset.topic;
  const id = script.dataset.id;
  const since = script.dataset.since;
  let refreshTimer = null;
  let retryDelay = 1000;

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then((response) => response.text())
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#content-main");
        const current = document.querySelector("#content-main");
        if (fresh && current) {
          current.replaceWith(fresh);
          document.body.dataset.liveUpdatedAt = String(Date.now());
          document.dispatchEvent(new CustomEvent("junction:live-updated"));
        }
      });
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = since ? `?since=${encodeURIComponent(since)}` : "";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/live/${topic}/${query}`);
    socket.onopen = () => {
      retryDelay = 1000;
      document.body.dataset.live = "connected";
    };
    socket.onmessage = (message) => {
      const change = JSON.parse(message.data);
      if (id && change.id !== id && change.id !== "*") return;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, 150);
    };
    socket.onclose = (closing) => {
      document.body.dataset.live = "closed";
      if (closing.code === 4403 || closing.code === 4404) return;
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  connect();
})();
