// Progress of a background job: poll its JSON, update the bar and the stage, and go on to the
// job's page (which forwards to the result) once it is done or stopped. Without script the page
// refreshes itself instead (a <meta> refresh inside <noscript>).
//
// Markup (templates/jobs/show.html): the element with data-job-poll (JSON URL), data-job-url
// (the page) and data-job-status; <progress id="job-progress">; #job-percent, #job-count and
// the live region #job-stage.
(() => {
  const root = document.querySelector("[data-job-poll]");
  if (!root) {
    return;
  }
  const bar = document.getElementById("job-progress");
  const percent = document.getElementById("job-percent");
  const count = document.getElementById("job-count");
  const stage = document.getElementById("job-stage");
  const number = new Intl.NumberFormat();
  const started = Date.now();
  let delay = 500;

  const render = (job) => {
    root.dataset.jobStatus = job.status;
    if (bar) {
      bar.max = Math.max(job.total, 1);
      bar.value = Math.min(job.done, bar.max);
      bar.textContent = `${job.percent}%`;
    }
    if (percent) {
      percent.textContent = `${job.percent}%`;
    }
    if (count) {
      count.textContent = `${number.format(job.done)} of ${number.format(job.total)} steps`;
    }
    const text = job.stage || job.label;
    if (stage && stage.textContent !== text) {
      stage.textContent = text;
    }
  };

  const finish = () => {
    window.location.replace(root.dataset.jobUrl);
  };

  const poll = async () => {
    try {
      const response = await fetch(root.dataset.jobPoll, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const job = await response.json();
        render(job);
        if (job.status === "done" || job.status === "failed") {
          finish();
          return;
        }
      } else if (response.status >= 400 && response.status < 500) {
        finish();
        return;
      }
    } catch (error) {
      // A network hiccup or a restarting server: keep trying.
    }
    if (Date.now() - started > 10000) {
      delay = Math.min(delay * 1.25, 3000);
    }
    window.setTimeout(poll, delay);
  };

  window.setTimeout(poll, delay);
})();
