import subprocess, json, time, threading, sys
b=sys.argv[1]
p=subprocess.Popen([b],stdin=subprocess.PIPE,stdout=subprocess.PIPE,stderr=subprocess.DEVNULL)
def send(o): p.stdin.write((json.dumps(o)+"\n").encode()); p.stdin.flush()
send({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"b","version":"1"}}})
p.stdout.readline()
ddl="".join("CREATE TABLE t%d (id int, a text, b text, c int REFERENCES t%d(id));\n"%(i,max(i-1,0)) for i in range(12000))
sent={}
got={}
def reader():
    for line in p.stdout:
        o=json.loads(line); got[o["id"]]=time.time()
threading.Thread(target=reader,daemon=True).start()
sent["heavy"]=time.time(); send({"jsonrpc":"2.0","id":"heavy","method":"tools/call","params":{"name":"review_schema","arguments":{"ddl":ddl}}})
time.sleep(0.3)
lat=[]
for i in range(20):
    k="p%d"%i; sent[k]=time.time(); send({"jsonrpc":"2.0","id":k,"method":"ping"})
    while k not in got:
        time.sleep(0.001)
        if time.time()-sent[k]>60: break
    lat.append((got.get(k,time.time())-sent[k])*1000)
    time.sleep(0.05)
while "heavy" not in got and time.time()-sent["heavy"]<120: time.sleep(0.05)
print("ddl bytes",len(ddl),"heavy s",round(got.get("heavy",time.time())-sent["heavy"],2),"heavy done before last ping:", got.get("heavy",1e18)<got.get("p19",0))
lat.sort(); print("ping ms median",round(lat[10],1),"max",round(lat[-1],1))
p.stdin.close()
